; pm32.asm: switch from real mode to 32-bit flat protected mode through a
; GDT and run self-checks there: segment loads (flat and based), memory
; above 1 MiB, 32-bit arithmetic and SIB addressing, the 32-bit stack, near
; and far calls, string instructions with ESI/EDI, operand-size prefixes,
; and interrupts and exceptions delivered through an IDT (INT n, #DE, #UD,
; #GP on a segment limit) with the saved EIP and error code checked.
;
; Reports like every ox86 test ROM (common.inc): "PASS/FAIL name" lines on
; port 0xE9, POST codes 0x10 (real mode), 0x20 (protected mode entered),
; 0x30..0x60 (groups), then 0xFF and exit status 33 when all passed, or
; 0xEE and 35.

%include "common.inc"
%include "common32.inc"

        cpu     586

CODE32  equ 0x08                        ; flat 4 GiB code, 32-bit
DATA32  equ 0x10                        ; flat 4 GiB data
DATA1M  equ 0x18                        ; data at 1 MiB, limit 0xFFFF
IDT_BASE equ 0x800                      ; 256 gates, up to 0xFFF

; The 32-bit fault handler below uses the mailbox of common32.inc
; (LASTVEC, LASTERR, FAULTIP, SKIP; it does not record CS).

HIGH    equ 0x200000                    ; RAM above 1 MiB for the tests

start:
        ROM_INIT
        PRINT   "pm32: entering 32-bit protected mode", 10
        POST    0x10
        in      al, 0x92                ; fast A20 gate on, no reset
        or      al, 2
        and     al, 0xFE
        out     0x92, al
        ENTER_PM32 pm_entry

        bits    32
; ------------------------------------------------------------ 32-bit code
; ARM32 site, site_end: the handler resumes after the instruction.
%macro  ARM32 2
        mov     dword [SKIP], %2 - %1
        mov     dword [LASTVEC], -1
        mov     dword [LASTERR], -1
        mov     dword [FAULTIP], -1
%endmacro

; FAULT32 "name", vector, error code, site
%macro  FAULT32 4
        mov     eax, [LASTVEC]
        CHECKP  %1, %2
        mov     eax, [LASTERR]
        CHECKP  "  ... error code", %3
        mov     eax, [FAULTIP]
        CHECKP  "  ... saved EIP is the faulting instruction", ROM_BASE + %4
%endmacro

pm_entry:
        FLAT_SEGS 0x90000
        POST32  0x20
        PRINT32 "now in protected mode", 10

        mov     eax, cr0
        and     eax, 1
        CHECKP  "CR0.PE is set", 1
        xor     eax, eax
        mov     ax, cs
        CHECKP  "CS is the 32-bit code selector", CODE32
        mov     ax, ss
        CHECKP  "SS is the flat data selector", DATA32

        ; The IDT: every vector to `unexpected`, then the ones under test.
        IDT_FILL unexpected
        SET_GATE 0, stub0
        SET_GATE 6, stub6
        SET_GATE 13, stub13
        SET_GATE 0x30, int30
        lidt    [ROM_BASE + idt_desc]

; --------------------------------------------------- 0x30 memory, segments
        POST32  0x30
        mov     dword [0x000500], 0xAAAA5555
        mov     dword [0x100500], 0x5555AAAA
        mov     eax, [0x000500]
        CHECKP  "memory at 1 MiB does not alias 0 (A20 on)", 0xAAAA5555
        mov     eax, [0x100500]
        CHECKP  "memory at 1 MiB", 0x5555AAAA

        mov     ebx, HIGH
        mov     ecx, 4
        mov     dword [ebx + ecx * 4 + 8], 0xCAFEBABE
        mov     eax, [HIGH + 0x18]
        CHECKP  "SIB addressing base + index*4 + disp", 0xCAFEBABE
        lea     eax, [ebx + ecx * 8 + 0x10]
        CHECKP  "lea with scale 8", HIGH + 0x30

        mov     ax, DATA1M
        mov     fs, ax
        mov     dword [fs:0x10], 0xFEEDF00D
        mov     eax, [0x100010]
        CHECKP  "a segment based at 1 MiB", 0xFEEDF00D
        mov     eax, [fs:0xFFFC]
        mov     eax, 1
        CHECKP  "access ending at the segment limit", 1

        ARM32   gp_site, gp_end
gp_site:
        mov     eax, [fs:0xFFFE]
gp_end:
        FAULT32 "access past the segment limit raises #GP", 13, 0, gp_site
        mov     ax, DATA32
        mov     fs, ax

; --------------------------------------------------- 0x40 32-bit integer
        POST32  0x40
        mov     eax, 0x12345678
        add     eax, 0x87654321
        CHECKP  "add eax", 0x99999999

        mov     eax, 0xFFFFFFFF
        mov     ax, 0x1234
        CHECKP  "16-bit operand (66h) keeps the upper half", 0xFFFF1234

        mov     eax, 0x11223344
        mov     al, 0xFF
        movsx   eax, al
        CHECKP  "movsx eax, al", 0xFFFFFFFF
        mov     bx, 0x8000
        movzx   eax, bx
        CHECKP  "movzx eax, bx", 0x8000

        mov     ebx, 100000
        imul    eax, ebx, -30000
        CHECKP  "imul eax, ebx, imm32", -3000000000 & 0xFFFFFFFF

        mov     eax, -3000000
        cdq
        mov     ecx, 7
        idiv    ecx
        CHECKP  "idiv edx:eax / ecx", -428571 & 0xFFFFFFFF
        mov     eax, edx
        CHECKP  "idiv remainder", -3 & 0xFFFFFFFF

        mov     eax, 0xF0000000
        mov     cl, 4
        shr     eax, cl
        CHECKP  "shr eax", 0x0F000000

        mov     eax, 0x80000000
        bsr     ecx, eax
        mov     eax, ecx
        CHECKP  "bsr eax", 31

; --------------------------------------------------- 0x50 stack, calls, strings
        POST32  0x50
        mov     ebx, esp
        push    dword 0x12345678
        pop     eax
        CHECKP  "push/pop dword", 0x12345678
        push    word 0xABCD
        pop     ax
        mov     eax, esp
        CHECKP  "push/pop word keeps ESP balanced", ebx

        mov     eax, 1
        mov     ecx, 2
        mov     edx, 3
        mov     ebx, 4
        mov     ebp, 6
        mov     esi, 7
        mov     edi, 8
        pushad
        xor     eax, eax
        mov     ecx, eax
        mov     edx, eax
        mov     ebx, eax
        mov     ebp, eax
        mov     esi, eax
        mov     edi, eax
        popad
        add     eax, ecx
        add     eax, edx
        add     eax, ebx
        add     eax, ebp
        add     eax, esi
        add     eax, edi
        CHECKP  "pushad/popad", 1 + 2 + 3 + 4 + 6 + 7 + 8

        mov     ebp, 0x5A5A5A5A
        mov     ebx, esp
        enter   16, 0
        lea     eax, [ebp - 16]
        sub     eax, esp
        CHECKP  "enter 16: ESP = EBP - 16", 0
        lea     eax, [ebx - 4]
        sub     eax, ebp
        CHECKP  "enter: EBP = old ESP - 4", 0
        leave
        mov     eax, ebp
        CHECKP  "leave restores EBP", 0x5A5A5A5A

        xor     eax, eax
        call    near32
        CHECKP  "near call/ret", 0x32323232

        xor     eax, eax
        call    CODE32:(ROM_BASE + far32)
        CHECKP  "far call/retf", 0x0F0F0F0F

        mov     ebx, esp
        push    dword 1
        push    dword 2
        call    ret8
        mov     eax, esp
        CHECKP  "ret 8", ebx

        mov     esi, ROM_BASE + srcdata
        mov     edi, HIGH + 0x100
        mov     ecx, 4
        rep movsd
        mov     eax, [HIGH + 0x10C]
        CHECKP  "rep movsd with ESI/EDI", 'cdef'
        mov     eax, edi
        CHECKP  "rep movsd advances EDI", HIGH + 0x110

        mov     edi, HIGH + 0x100
        mov     al, 'a'
        mov     ecx, 16
        repne scasb
        mov     eax, ecx
        CHECKP  "repne scasb with ECX", 5

; --------------------------------------------------- 0x60 interrupts via the IDT
        POST32  0x60
        xor     eax, eax
        stc
        int     0x30
        setc    bl
        CHECKP  "int 30h through a 32-bit interrupt gate", 0x30303030
        movzx   eax, bl
        CHECKP  "iretd restores CF", 1

        ARM32   de_site, de_end
        mov     eax, 1
        xor     edx, edx
        xor     ecx, ecx
de_site:
        div     ecx
de_end:
        FAULT32 "div by zero raises #DE", 0, 0, de_site

        ARM32   ud_site, ud_end
ud_site:
        ud2
ud_end:
        FAULT32 "ud2 raises #UD", 6, 0, ud_site

        POST32  0x70
        jmp     finish32

; ------------------------------------------------------------ 32-bit helpers
near32:
        mov     eax, 0x32323232
        ret

far32:
        mov     eax, 0x0F0F0F0F
        retf

ret8:
        ret     8

int30:
        mov     eax, 0x30303030
        iretd

; Fault stubs push (error code, vector); fault32 records them and the
; saved EIP, then resumes SKIP bytes further on.
        FAULT_STUB_NOERR 0
        FAULT_STUB_NOERR 6
        FAULT_STUB 13
fault32:                                ; [esp] vector, +4 error, +8 EIP
        push    eax
        mov     eax, [esp + 4]
        mov     [LASTVEC], eax
        mov     eax, [esp + 8]
        mov     [LASTERR], eax
        mov     eax, [esp + 12]
        mov     [FAULTIP], eax
        add     eax, [SKIP]
        mov     [esp + 12], eax
        pop     eax
        add     esp, 8
        iretd

unexpected:
        inc     word [FAILS]
        PRINT32 "FAIL unexpected interrupt or exception", 10
        jmp     finish32

        COMMON32_CODE

; ------------------------------------------------------------------ tables
        align   8
gdt:    dq      0
        ; 0x08: code, base 0, limit 4 GiB (G), 32-bit (D), accessed
        dw      0xFFFF, 0x0000
        db      0x00, 0x9B, 0xCF, 0x00
        ; 0x10: data, base 0, limit 4 GiB, writable, big, accessed
        dw      0xFFFF, 0x0000
        db      0x00, 0x93, 0xCF, 0x00
        ; 0x18: data, base 0x100000, limit 0xFFFF bytes, writable, accessed
        dw      0xFFFF, 0x0000
        db      0x10, 0x93, 0x00, 0x00
gdt_end:

        TABLE_POINTERS ROM_BASE + gdt, 256

srcdata: db     "0123456789abcdef"

        ROM_END

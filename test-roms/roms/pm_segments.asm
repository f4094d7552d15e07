; pm_segments.asm: protected-mode segmentation (Intel SDM Vol. 3A ch. 3 and
; §5.1-5.10). Enters 32-bit protected mode with a GDT and an LDT in RAM,
; loads segment registers with descriptors of every kind, provokes the
; faults on purpose (an IDT whose handlers record the vector, error code and
; saved CS:EIP, then resume after the faulting instruction), checks the
; accessed and busy bits written back, expand-down and granular limits,
; LLDT/LTR/SLDT/STR/LAR/LSL/VERR/VERW/ARPL, SGDT/SIDT/SMSW/LMSW/CLTS, and
; finally returns to real mode keeping a 4 GiB limit in FS and GS ("unreal
; mode"), where LAR/ARPL/SLDT are #UD.
;
; Reports like every ox86 test ROM (common.inc): "PASS/FAIL name" lines on
; port 0xE9; POST codes 0x10 (real mode), 0x20 (protected mode), 0x30..0x90
; (groups), 0xA0 (back in real mode), then 0xFF and exit status 33 when all
; passed, or 0xEE and 35.
;
; Under QEMU's TCG the segment limit and access-rights checks (null FS,
; read-only/code writes, expand-down, granularity, SS limit, real-mode DS
; limit) and LTR of a null selector do not fault, as QEMU does not emulate
; them; every other check passes there too.

%include "common.inc"
%include "common32.inc"

        cpu     586

; Selectors of the GDT (see `gdt` below; copied to GDT_BASE in RAM so the
; CPU can set accessed and busy bits).
CODE32  equ 0x08                        ; flat code, 32-bit, readable
DATA32  equ 0x10                        ; flat data, 4 GiB
DATA1M  equ 0x18                        ; data at 1 MiB, limit FFFFh, A = 0
RODATA  equ 0x20                        ; read-only data at 1 MiB
XONLY   equ 0x28                        ; execute-only flat code, 32-bit
RCODE   equ 0x30                        ; readable code at 1 MiB, limit FFFFh
CONF    equ 0x38                        ; conforming readable code at 1 MiB
DATA3   equ 0x40                        ; flat data, DPL 3
NPDATA  equ 0x48                        ; writable data, not present
DOWN16  equ 0x50                        ; expand-down at 1 MiB, limit FFFh, B = 0
DOWN32  equ 0x58                        ; expand-down at 0, limit FFFh, B = 1
GRAN    equ 0x60                        ; data at 1 MiB, limit 1 x 4 KiB (G)
LDTSEL  equ 0x68                        ; the LDT
TSS32   equ 0x70                        ; 32-bit TSS, available
CODE16  equ 0x78                        ; 16-bit code at F0000h (the ROM)
DATA16  equ 0x80                        ; 16-bit data, base 0, limit FFFFh
NPLDT   equ 0x88                        ; LDT, not present
NPTSS   equ 0x90                        ; TSS, not present
IGATE   equ 0x98                        ; a 32-bit interrupt gate (in the GDT)
CGATE   equ 0xA0                        ; a 32-bit call gate, DPL 0
BEYOND  equ 0xA8                        ; first selector past the GDT limit

; LDT selectors (TI = 1).
LDATA   equ 0x04                        ; data at 2 MiB
LNP     equ 0x0C                        ; data, not present
LBEYOND equ 0x1C                        ; past the LDT limit (17h)

GDT_BASE equ 0x2000
LDT_BASE equ 0x2800
TSS_BASE equ 0x3000
IDT_BASE equ 0x800                      ; 256 gates, up to 0xFFF
STACK   equ 0x80000

; Fault mailbox: LASTVEC..SKIP at 0x610 (common32.inc). Real-mode one:
RLASTVEC equ 0x630
RFAULTIP equ 0x632
RSKIP   equ 0x634

MEM1M   equ 0x100000
MEM2M   equ 0x200000

start:
        ROM_INIT
        PRINT   "pm_segments: protected-mode segmentation", 10
        POST    0x10
        ; GDT and LDT to RAM (the CPU writes accessed/busy bits there).
        ROM_COPY gdt, gdt_end, GDT_BASE
        ROM_COPY ldt, ldt_end, LDT_BASE
        ENTER_PM32 pm_entry

        bits    32
; FAULTED "name", vector, error code, site, CS
%macro  FAULTED 5
        push    eax
        mov     eax, [LASTVEC]
        CHECKP  %1, %2
        mov     eax, [LASTERR]
        CHECKP  "  ... error code", %3
        mov     eax, [FAULTIP]
        CHECKP  "  ... saved EIP is the faulting instruction", ROM_BASE + %4
        mov     eax, [FAULTCS]
        CHECKP  "  ... saved CS", %5
        pop     eax
%endmacro

; FAULT "name", vector, error code, instruction...: run the instruction,
; which must fault with that vector and error code.
%macro  FAULT 4+
        ARM     %%site, %%end
%%site: %4
%%end:
        FAULTED %1, %2, %3, %%site, CODE32
%endmacro

; ZF_IS "name", 0|1
%macro  ZF_IS 2
        push    eax
        setz    al
        movzx   eax, al
        CHECKP  %1, %2
        pop     eax
%endmacro

pm_entry:
        FLAT_SEGS STACK, 0              ; FS, GS null: allowed
        POST32  0x20
        PRINT32 "in protected mode", 10

        ; IDT: every vector to `unexpected`, then the ones under test.
        IDT_FILL unexpected
        SET_GATE 6, stub6
        SET_GATE 10, stub10
        SET_GATE 11, stub11
        SET_GATE 12, stub12
        SET_GATE 13, stub13
        lidt    [ROM_BASE + idt_desc]

; ------------------------------------------------------- 0x30 good loads
        POST32  0x30
        movzx   eax, byte [GDT_BASE + DATA1M + 5]
        CHECKP  "descriptor 18h starts with the accessed bit clear", 0x92
        mov     ax, DATA1M
        mov     es, ax
        movzx   eax, byte [GDT_BASE + DATA1M + 5]
        CHECKP  "loading ES sets the accessed bit in the GDT", 0x93
        mov     dword [es:0x10], 0x11223344
        mov     eax, [MEM1M + 0x10]
        CHECKP  "ES base is 1 MiB", 0x11223344
        mov     ax, DATA3
        mov     fs, ax                  ; DPL 3 data at CPL 0
        mov     ax, CONF | 3
        mov     gs, ax                  ; conforming code: no privilege check
        mov     eax, [gs:0x10]
        CHECKP  "read through conforming code in GS (RPL 3)", 0x11223344
        mov     ax, RCODE
        mov     gs, ax
        mov     eax, [gs:0x10]
        CHECKP  "read through readable code in GS", 0x11223344
        mov     ax, 3
        mov     gs, ax
        xor     eax, eax
        mov     ax, gs
        CHECKP  "a null selector keeps its RPL", 3

; ------------------------------------------------------- 0x40 load faults
        POST32  0x40
        xor     eax, eax
        lldt    ax                      ; no LDT
        mov     ax, XONLY
        FAULT   "mov ds, execute-only code: #GP(sel)", 13, XONLY, mov ds, ax
        mov     ax, NPDATA
        FAULT   "mov ds, not-present data: #NP(sel)", 11, NPDATA, mov ds, ax
        mov     ax, DATA32 | 3
        FAULT   "mov es, RPL 3 > DPL 0: #GP(sel)", 13, DATA32, mov es, ax
        mov     ax, BEYOND | 3
        FAULT   "mov fs, beyond the GDT limit: #GP(sel)", 13, BEYOND, mov fs, ax
        mov     ax, LDTSEL
        FAULT   "mov gs, LDT descriptor: #GP(sel)", 13, LDTSEL, mov gs, ax
        mov     ax, TSS32
        FAULT   "mov ds, TSS descriptor: #GP(sel)", 13, TSS32, mov ds, ax
        mov     ax, IGATE
        FAULT   "mov ds, gate: #GP(sel)", 13, IGATE, mov ds, ax
        mov     ax, LDATA
        FAULT   "mov ds, LDT selector with no LDT: #GP(sel)", 13, LDATA, mov ds, ax
        xor     eax, eax
        FAULT   "mov ss, null: #GP(0)", 13, 0, mov ss, ax
        mov     ax, DATA32 | 3
        FAULT   "mov ss, RPL != CPL: #GP(sel)", 13, DATA32, mov ss, ax
        mov     ax, RODATA
        FAULT   "mov ss, read-only data: #GP(sel)", 13, RODATA, mov ss, ax
        mov     ax, DATA3
        FAULT   "mov ss, DPL 3 at CPL 0: #GP(sel)", 13, DATA3, mov ss, ax
        mov     ax, RCODE
        FAULT   "mov ss, code: #GP(sel)", 13, RCODE, mov ss, ax
        mov     ax, NPDATA
        FAULT   "mov ss, not present: #SS(sel)", 12, NPDATA, mov ss, ax
        FAULT   "lss esp, not present: #SS(sel)", 12, NPDATA, lss esp, [ROM_BASE + np_ptr]
        mov     eax, esp
        CHECKP  "  ... ESP unchanged", STACK
        FAULT   "lfs eax, not present: #NP(sel)", 11, NPDATA, lfs eax, [ROM_BASE + np_ptr]
        push    dword XONLY
        FAULT   "pop ds, execute-only code: #GP(sel)", 13, XONLY, pop ds
        mov     eax, esp
        CHECKP  "  ... ESP unchanged", STACK - 4
        add     esp, 4

; ------------------------------------------------------- 0x50 access rights
        POST32  0x50
        xor     eax, eax
        mov     fs, ax
        FAULT   "read through a null FS: #GP(0)", 13, 0, mov eax, [fs:0]
        FAULT   "write through a null FS: #GP(0)", 13, 0, mov [fs:0], eax
        mov     ax, RODATA
        mov     fs, ax
        NOFAULT "read from read-only data", mov eax, [fs:0x10]
        FAULT   "write to read-only data: #GP(0)", 13, 0, mov [fs:0x10], eax
        mov     ax, RCODE
        mov     fs, ax
        FAULT   "write to readable code: #GP(0)", 13, 0, mov [fs:0x10], eax
        FAULT   "write through CS: #GP(0)", 13, 0, mov [cs:MEM1M], eax
        ; Execute-only code: data reads through CS fault; CS is saved.
        jmp     XONLY:(ROM_BASE + xo_code)
xo_code:
        ARM     xo_site, xo_end
xo_site:
        mov     eax, [cs:ROM_BASE + xo_code]
xo_end:
        jmp     CODE32:(ROM_BASE + xo_back)
xo_back:
        FAULTED "read through execute-only CS: #GP(0)", 13, 0, xo_site, XONLY

; ------------------------------------------------------- 0x60 limits
        POST32  0x60
        mov     dword [MEM1M + 0x1000], 0xA5A5A5A5
        mov     dword [MEM1M + 0xFFFC], 0x5A5A5A5A
        mov     ax, DOWN16
        mov     fs, ax
        NOFAULT "expand-down: offset limit+1 is valid", mov eax, [fs:0x1000]
        CHECKP  "  ... and reads at base + offset", 0xA5A5A5A5
        FAULT   "expand-down: offset = limit: #GP(0)", 13, 0, mov al, [fs:0x0FFF]
        NOFAULT "expand-down B=0: word at FFFEh", mov ax, [fs:0xFFFE]
        FAULT   "expand-down B=0: word at FFFFh: #GP(0)", 13, 0, mov ax, [fs:0xFFFF]
        FAULT   "expand-down B=0: offset 10000h: #GP(0)", 13, 0, mov al, [fs:0x10000]
        mov     ax, DOWN32
        mov     fs, ax
        NOFAULT "expand-down B=1: offset above 64 KiB", mov eax, [fs:MEM1M + 0x1000]
        CHECKP  "  ... reads", 0xA5A5A5A5
        FAULT   "expand-down B=1: dword ending at the limit: #GP(0)", 13, 0, mov eax, [fs:0xFFC]
        mov     ax, GRAN
        mov     fs, ax
        NOFAULT "4 KiB granularity: dword at 1FFCh", mov eax, [fs:0x1FFC]
        FAULT   "4 KiB granularity: dword at 1FFDh: #GP(0)", 13, 0, mov eax, [fs:0x1FFD]
        mov     ax, DATA1M
        mov     fs, ax
        NOFAULT "byte granularity: dword at FFFCh", mov eax, [fs:0xFFFC]
        CHECKP  "  ... reads", 0x5A5A5A5A
        FAULT   "byte granularity: word at FFFFh: #GP(0)", 13, 0, mov ax, [fs:0xFFFF]
        ; A 16-bit stack at 1 MiB: SS limit faults are #SS(0).
        mov     ax, DATA1M
        mov     ss, ax
        mov     esp, 0x8000
        FAULT   "SS: dword at FFFEh: #SS(0)", 12, 0, mov eax, [ss:0xFFFE]
        mov     ebp, 0x10000
        FAULT   "[ebp] past the SS limit: #SS(0)", 12, 0, mov eax, [ebp]
        mov     eax, esp
        CHECKP  "ESP balanced after faults on a 16-bit stack", 0x8000
        mov     ax, DATA32
        mov     ss, ax
        mov     esp, STACK

; ------------------------------------------------------- 0x70 LDT and TR
        POST32  0x70
        sldt    ax
        CHECKP  "sldt after lldt 0", 0
        lldt    [ROM_BASE + ldt_sel]
        xor     eax, eax
        sldt    eax
        CHECKP  "sldt eax", LDTSEL
        mov     ax, LDATA
        mov     es, ax
        mov     dword [es:0x20], 0xCAFEF00D
        mov     eax, [MEM2M + 0x20]
        CHECKP  "an LDT data segment based at 2 MiB", 0xCAFEF00D
        movzx   eax, byte [LDT_BASE + 5]
        CHECKP  "accessed bit set in the LDT", 0x93
        mov     ax, LNP
        FAULT   "LDT: not present: #NP(sel)", 11, LNP, mov es, ax
        mov     ax, LBEYOND
        FAULT   "LDT: beyond the LDT limit: #GP(sel)", 13, LBEYOND, mov es, ax
        mov     ax, DATA32
        FAULT   "lldt data segment: #GP(sel)", 13, DATA32, lldt ax
        mov     ax, NPLDT
        FAULT   "lldt not present: #NP(sel)", 11, NPLDT, lldt ax
        mov     ax, LDATA
        FAULT   "lldt with TI = 1: #GP(sel)", 13, LDATA, lldt ax
        xor     eax, eax
        FAULT   "ltr null: #GP(0)", 13, 0, ltr ax
        mov     ax, NPTSS
        FAULT   "ltr not present: #NP(sel)", 11, NPTSS, ltr ax
        mov     ax, DATA32
        FAULT   "ltr data segment: #GP(sel)", 13, DATA32, ltr ax
        mov     ax, TSS32
        ltr     ax
        xor     eax, eax
        str     eax
        CHECKP  "str", TSS32
        movzx   eax, byte [GDT_BASE + TSS32 + 5]
        CHECKP  "ltr marks the TSS busy", 0x8B
        mov     ax, TSS32
        FAULT   "ltr of a busy TSS: #GP(sel)", 13, TSS32, ltr ax

; ------------------------------------------------------- 0x80 LAR LSL VERR VERW ARPL
        POST32  0x80
        mov     bx, DATA32
        mov     eax, -1
        lar     eax, bx
        ZF_IS   "lar data: ZF", 1
        CHECKP  "lar eax: access rights (masked 00F0FF00h)", 0x00C09300
        mov     eax, -1
        lar     ax, bx
        CHECKP  "lar ax: access byte only", 0xFFFF9300
        mov     bx, TSS32
        lar     eax, bx
        CHECKP  "lar busy TSS", 0x00008B00
        mov     bx, CGATE
        lar     eax, bx
        ZF_IS   "lar call gate: ZF", 1
        CHECKP  "lar call gate", 0x00008C00
        mov     bx, IGATE
        mov     eax, 0x12345678
        lar     eax, bx
        ZF_IS   "lar interrupt gate: ZF = 0", 0
        CHECKP  "  ... destination unchanged", 0x12345678
        mov     bx, DATA32 | 3
        lar     eax, bx
        ZF_IS   "lar RPL 3 > DPL 0: ZF = 0", 0
        mov     bx, NPDATA
        lar     eax, bx
        ZF_IS   "lar does not check P: ZF", 1
        mov     bx, BEYOND
        lar     eax, bx
        ZF_IS   "lar beyond the GDT: ZF = 0", 0
        xor     ebx, ebx
        lar     eax, bx
        ZF_IS   "lar null: ZF = 0", 0

        mov     bx, GRAN
        lsl     eax, bx
        ZF_IS   "lsl: ZF", 1
        CHECKP  "lsl granular limit", 0x1FFF
        mov     bx, DATA32
        lsl     eax, bx
        CHECKP  "lsl 4 GiB", 0xFFFFFFFF
        mov     bx, TSS32
        lsl     eax, bx
        CHECKP  "lsl TSS", 0x67
        mov     bx, CGATE
        mov     eax, 0x12345678
        lsl     eax, bx
        ZF_IS   "lsl call gate: ZF = 0", 0
        CHECKP  "  ... destination unchanged", 0x12345678

        mov     bx, XONLY
        verr    bx
        ZF_IS   "verr execute-only code", 0
        mov     bx, RCODE
        verr    bx
        ZF_IS   "verr readable code", 1
        verw    bx
        ZF_IS   "verw code", 0
        mov     bx, RODATA
        verr    bx
        ZF_IS   "verr read-only data", 1
        verw    bx
        ZF_IS   "verw read-only data", 0
        mov     bx, DATA32
        verw    bx
        ZF_IS   "verw writable data", 1
        mov     bx, DATA32 | 3
        verr    bx
        ZF_IS   "verr RPL 3 > DPL 0", 0
        mov     bx, CONF | 3
        verr    bx
        ZF_IS   "verr conforming code with RPL 3", 1
        mov     bx, NPDATA
        verw    bx
        ZF_IS   "verw does not check P", 1
        mov     bx, TSS32
        verr    bx
        ZF_IS   "verr TSS", 0

        mov     eax, 0xABCD0010
        mov     ebx, 3
        arpl    ax, bx
        ZF_IS   "arpl raises the RPL: ZF", 1
        CHECKP  "arpl ax, bx", 0xABCD0013
        mov     ebx, 1
        arpl    ax, bx
        ZF_IS   "arpl with a lower source RPL: ZF = 0", 0
        CHECKP  "  ... unchanged", 0xABCD0013
        mov     dword [0x1000], 0x11110010
        mov     cx, 2
        arpl    [0x1000], cx
        mov     eax, [0x1000]
        CHECKP  "arpl memory, word only", 0x11110012

; ------------------------------------------------------- 0x90 SGDT SIDT MSW
        POST32  0x90
        sgdt    [0x1100]
        movzx   eax, word [0x1100]
        CHECKP  "sgdt limit", gdt_end - gdt - 1
        mov     eax, [0x1102]
        CHECKP  "sgdt base", GDT_BASE
        sidt    [0x1100]
        movzx   eax, word [0x1100]
        CHECKP  "sidt limit", 256 * 8 - 1
        mov     eax, [0x1102]
        CHECKP  "sidt base", IDT_BASE
        xor     eax, eax
        lmsw    ax
        smsw    eax
        and     eax, 0x0F
        CHECKP  "lmsw cannot clear PE", 1
        mov     eax, cr0
        or      eax, 8                  ; CR0.TS
        mov     cr0, eax
        smsw    ax
        and     eax, 0x0F
        CHECKP  "smsw shows TS", 9
        clts
        mov     eax, cr0
        and     eax, 0x0F
        CHECKP  "clts clears TS", 1

; ------------------------------------------------------- back to real mode
        mov     dword [MEM2M + 0x100], 0x5EA1F00D
        mov     ax, DATA32
        mov     fs, ax
        mov     gs, ax
        jmp     CODE16:to_real

        bits    16
to_real:
        mov     ax, DATA16
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, 0x7000
        mov     eax, cr0
        and     al, 0xFE
        mov     cr0, eax
        jmp     0xF000:real_again

real_again:
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7000
        lidt    [cs:real_idt]
        POST    0xA0
        PRINT   "back in real mode", 10
        mov     word [6 * 4], rm_fault6
        mov     word [6 * 4 + 2], 0xF000
        mov     word [13 * 4], rm_fault13
        mov     word [13 * 4 + 2], 0xF000
        mov     eax, cr0
        and     ax, 1
        CHECK   "CR0.PE clear", 0
        xor     ax, ax
        mov     fs, ax                  ; a real-mode load keeps the limit
        mov     eax, [fs:dword MEM2M + 0x100]
        CHECK32 "unreal FS reaches 2 MiB after a real-mode reload", 0x5EA1F00D
        mov     eax, [gs:dword MEM2M + 0x100]
        CHECK32 "unreal GS (not reloaded)", 0x5EA1F00D
        mov     ax, fs
        CHECK   "FS selector is 0", 0

%macro  RFAULT 3+                       ; name, vector, instruction
        mov     word [ss:RSKIP], %%end - %%site
        mov     word [ss:RLASTVEC], 0xFFFF
%%site: %3
%%end:
        mov     ax, [ss:RLASTVEC]
        CHECK   %1, %2
        mov     ax, [ss:RFAULTIP]
        CHECK   "  ... saved IP", %%site
%endmacro

        RFAULT  "DS keeps its 64 KiB limit: #GP", 13, mov eax, [dword 0x10000]
        RFAULT  "lar in real mode: #UD", 6, lar ax, bx
        RFAULT  "arpl in real mode: #UD", 6, arpl ax, bx
        RFAULT  "sldt in real mode: #UD", 6, sldt ax
        RFAULT  "verr in real mode: #UD", 6, verr ax
        jmp     finish

rm_fault6:
        mov     word [ss:RLASTVEC], 6
        jmp     rm_fault
rm_fault13:
        mov     word [ss:RLASTVEC], 13
rm_fault:
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp + 2]
        mov     [ss:RFAULTIP], ax
        add     ax, [ss:RSKIP]
        mov     [bp + 2], ax
        pop     ax
        pop     bp
        iret

        bits    32
; ------------------------------------------------------------ fault handlers
; The recorder of common32.inc: fault32 stores vector, error code and
; saved CS:EIP, then resumes SKIP bytes further on.
        FAULT_STUB_NOERR 6
        FAULT32_CODE                    ; stub10..stub13, fault32, unexpected

        COMMON32_CODE

; ------------------------------------------------------------------ tables
        align   8
gdt:    dq      0
        ; 08 CODE32: base 0, limit 4 GiB (G), 32-bit (D), readable, accessed
        dw      0xFFFF, 0x0000
        db      0x00, 0x9B, 0xCF, 0x00
        ; 10 DATA32: base 0, limit 4 GiB, writable, B
        dw      0xFFFF, 0x0000
        db      0x00, 0x92, 0xCF, 0x00
        ; 18 DATA1M: base 1 MiB, limit FFFFh, writable, accessed bit clear
        dw      0xFFFF, 0x0000
        db      0x10, 0x92, 0x00, 0x00
        ; 20 RODATA: base 1 MiB, limit FFFFh, read-only
        dw      0xFFFF, 0x0000
        db      0x10, 0x90, 0x00, 0x00
        ; 28 XONLY: base 0, limit 4 GiB, 32-bit, execute-only code
        dw      0xFFFF, 0x0000
        db      0x00, 0x98, 0xCF, 0x00
        ; 30 RCODE: base 1 MiB, limit FFFFh, readable code
        dw      0xFFFF, 0x0000
        db      0x10, 0x9A, 0x00, 0x00
        ; 38 CONF: base 1 MiB, limit FFFFh, conforming readable code
        dw      0xFFFF, 0x0000
        db      0x10, 0x9E, 0x00, 0x00
        ; 40 DATA3: base 0, limit 4 GiB, writable, DPL 3
        dw      0xFFFF, 0x0000
        db      0x00, 0xF2, 0xCF, 0x00
        ; 48 NPDATA: writable data, not present
        dw      0xFFFF, 0x0000
        db      0x00, 0x12, 0xCF, 0x00
        ; 50 DOWN16: base 1 MiB, expand-down, limit FFFh, B = 0
        dw      0x0FFF, 0x0000
        db      0x10, 0x96, 0x00, 0x00
        ; 58 DOWN32: base 0, expand-down, limit FFFh, B = 1
        dw      0x0FFF, 0x0000
        db      0x00, 0x96, 0x40, 0x00
        ; 60 GRAN: base 1 MiB, limit 1 with G (1FFFh bytes)
        dw      0x0001, 0x0000
        db      0x10, 0x92, 0x80, 0x00
        ; 68 LDTSEL: LDT at LDT_BASE, limit 17h
        dw      ldt_end - ldt - 1, LDT_BASE
        db      0x00, 0x82, 0x00, 0x00
        ; 70 TSS32: 32-bit TSS at TSS_BASE, limit 67h, available
        dw      0x0067, TSS_BASE
        db      0x00, 0x89, 0x00, 0x00
        ; 78 CODE16: base F0000h (this ROM), limit FFFFh, 16-bit readable code
        dw      0xFFFF, 0x0000
        db      0x0F, 0x9A, 0x00, 0x00
        ; 80 DATA16: base 0, limit FFFFh, 16-bit writable data
        dw      0xFFFF, 0x0000
        db      0x00, 0x92, 0x00, 0x00
        ; 88 NPLDT: LDT, not present
        dw      ldt_end - ldt - 1, LDT_BASE
        db      0x00, 0x02, 0x00, 0x00
        ; 90 NPTSS: 32-bit TSS, not present
        dw      0x0067, TSS_BASE
        db      0x00, 0x09, 0x00, 0x00
        ; 98 IGATE: 32-bit interrupt gate to CODE32:0
        dw      0x0000, CODE32
        db      0x00, 0x8E, 0x00, 0x00
        ; A0 CGATE: 32-bit call gate to CODE32:0, DPL 0
        dw      0x0000, CODE32
        db      0x00, 0x8C, 0x00, 0x00
gdt_end:

ldt:
        ; 04 LDATA: base 2 MiB, limit FFFFh, writable, accessed bit clear
        dw      0xFFFF, 0x0000
        db      0x20, 0x92, 0x00, 0x00
        ; 0C LNP: not present
        dw      0xFFFF, 0x0000
        db      0x20, 0x12, 0x00, 0x00
        ; 14: data DPL 0
        dw      0xFFFF, 0x0000
        db      0x20, 0x92, 0x00, 0x00
ldt_end:

        TABLE_POINTERS GDT_BASE, 256    ; the GDT's RAM copy

real_idt:
        dw      0x3FF
        dd      0

np_ptr: dd      0x1000                  ; offset, then the selector
        dw      NPDATA

ldt_sel: dw     LDTSEL

        ROM_END

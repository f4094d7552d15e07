; paging.asm: 32-bit paging (Intel SDM Vol. 3A §4.3 32-bit paging, §4.6
; access rights, §4.7 page-fault exceptions, §4.8 accessed and dirty flags,
; §4.10 TLBs and their invalidation).
;
; Enters 32-bit protected mode, builds a page directory whose first table
; maps 0-4 MiB to itself (user, writable) and whose second table maps test
; pages at 0x400000-0x7FFFFF, turns paging on, then:
;   0x20  translation through a 4-KiB page, accessed and dirty flags;
;   0x30  #PF for not-present pages (CR2, error code, saved EIP), CR0.WP;
;   0x40  a write crossing into a not-present page faults before writing;
;         instruction fetches crossing into a not-present page;
;   0x50  ring 3: user accesses to supervisor, read-only and not-present
;         pages (error codes with U/S);
;   0x60  the TLB keeps a changed PTE until INVLPG or MOV CR3;
;   0x70  global pages (CR4.PGE) survive MOV CR3 but not INVLPG or a
;         CR4.PGE change;
;   0x80  4-MiB pages (CR4.PSE): translation, A/D in the PDE, INVLPG of
;         any address in the page, reserved bits (RSVD in the error code);
;   0x90  CR0.PG off (linear = physical) and on again.
;
; Under QEMU (TCG): global TLB entries are flushed by MOV CR3 too (allowed:
; a TLB may drop any entry at any time, but a real one keeps them, and so
; does ox86), and QEMU 7.2 reports a reserved-bit #PF without the P
; bit (the SDM's P = 0 means "a P flag was 0", which is not the case; KVM
; reports P | RSVD). Build with `nasm -DQEMU` to skip the two global-page
; checks and expect QEMU's code: the ROM then passes under
; `qemu-system-i386 -cpu pentium3`.
;
; Reports like every ox86 test ROM (common.inc): "PASS/FAIL name" lines on
; port 0xE9, POST codes above, then 0xFF and exit status 33 when all passed,
; or 0xEE and 35. An unexpected exception prints FAIL and ends the run.

%include "common.inc"
%include "common32.inc"

        cpu     586

CODE32  equ 0x08                        ; flat code, DPL 0
DATA32  equ 0x10                        ; flat data, DPL 0
CODE3   equ 0x18 | 3                    ; flat code, DPL 3
DATA3   equ 0x20 | 3                    ; flat data, DPL 3
TSS32   equ 0x28                        ; 32-bit TSS (ring-0 stack)

GDT_BASE equ 0x2000
IDT_BASE equ 0x0800                     ; 256 gates, to 0xFFF
TSS_BASE equ 0x3000
MON_STACK equ 0x80000
RING0_STACK equ 0x70000
R3_STACK equ 0x60000

; Paging structures.
PD      equ 0x10000                     ; page directory
PT0     equ 0x11000                     ; 0-4 MiB, identity
PT1     equ 0x12000                     ; 4-8 MiB, test pages
PTE_P   equ 1
PTE_RW  equ 2
PTE_US  equ 4
PTE_A   equ 0x20
PTE_D   equ 0x40
PTE_PS  equ 0x80
PTE_G   equ 0x100
CR0_PG  equ 0x80000000
CR0_WP  equ 0x10000
CR4_PSE equ 0x10
CR4_PGE equ 0x80

; Error code bits.
PF_P    equ 1
PF_W    equ 2
PF_U    equ 4
PF_RSVD equ 8
%ifdef QEMU
RSVD_P  equ 0                           ; see the header
%else
RSVD_P  equ PF_P
%endif

; Mailboxes (linear = physical in 0-4 MiB; CHECKS/FAILS are at 0x600).
PF_CR2    equ 0x640
PF_ERR    equ 0x644
PF_EIP    equ 0x648
PF_COUNT  equ 0x64C
PF_RESUME equ 0x650                     ; where the #PF handler returns to
MON_ESP   equ 0x654

; Test pages (linear) and their frames.
BASIC   equ 0x400000                    ; -> 0x20000, supervisor RW
ADPAGE  equ 0x401000                    ; -> 0x21000, supervisor RW
NOTP    equ 0x402000                    ; not present
ROPAGE  equ 0x403000                    ; -> 0x23000, user read-only
USERRW  equ 0x404000                    ; -> 0x24000, user RW; 0x405000 not present
EXEC1   equ 0x406000                    ; -> 0x26000; 0x407000 not present
STALE   equ 0x408000                    ; -> 0x28000 / 0x29000
GPAGE   equ 0x409000                    ; -> 0x28000 / 0x29000, G
EXEC2   equ 0x40A000                    ; -> 0x2A000; 0x40B000 not present
SUPPAGE equ 0x40C000                    ; -> 0x2C000, supervisor RW
BIG     equ 0x800000                    ; 4-MiB page (PDE 2)
BIG2    equ 0xC00000                    ; 4-MiB page (PDE 3) -> 0x400000
FRAME_A equ 0x28000
FRAME_B equ 0x29000
MARK_A  equ 0xAAAA0001
MARK_B  equ 0xBBBB0002

; MAP linear, pte: set the PTE of a page in 4-8 MiB.
%macro  MAP 2
        mov     dword [PT1 + (((%1) >> 12) & 0x3FF) * 4], %2
%endmacro

; EXPECT_PF: arm the #PF handler to resume at the matching EXPECT_END.
%macro  EXPECT_PF 0
%push   pf
        mov     dword [PF_RESUME], ROM_BASE + %$resume
        mov     dword [PF_COUNT], 0
        mov     dword [PF_CR2], 0
        mov     dword [PF_ERR], -1
%endmacro

; EXPECT_END "name", cr2, error code: the faulting code is between
; EXPECT_PF and here; check that exactly one #PF came, with these values.
%macro  EXPECT_END 3
%$resume:
%pop
        mov     eax, [PF_COUNT]
        CHECKP  %1, 1
        mov     eax, [PF_CR2]
        CHECKP  "  ... CR2", %2
        mov     eax, [PF_ERR]
        CHECKP  "  ... error code", %3
%endmacro

start:
        ROM_INIT
        PRINT   "paging: 32-bit paging, 4 KiB and 4 MiB pages, TLB", 10
        POST    0x10
        ROM_COPY gdt, gdt_end, GDT_BASE
        ENTER_PM32 pm_entry

        bits    32
; SETGATE vector, handler, access byte
%macro  SETGATE 3
        mov     edi, IDT_BASE + (%1) * 8
        mov     eax, ROM_BASE + %2
        mov     ecx, %3
        call    set_gate
%endmacro

pm_entry:
        FLAT_SEGS MON_STACK
        POST32  0x11
        mov     edi, IDT_BASE
        mov     edx, 256
.fill:  mov     eax, ROM_BASE + unexpected
        mov     ecx, 0x8E
        call    set_gate
        add     edi, 8
        dec     edx
        jnz     .fill
        SETGATE 14, pf_handler, 0x8E
        SETGATE 0x42, ring3_exit, 0xEE
        lidt    [ROM_BASE + idt_desc]
        RING0_TSS RING0_STACK

        mov     eax, 1
        cpuid
        mov     eax, edx
        and     eax, (1 << 3) | (1 << 13)
        CHECKP  "CPUID.1:EDX has PSE and PGE", (1 << 3) | (1 << 13)

        ; Page directory and tables: PDE 0 -> PT0 (identity, user RW),
        ; PDE 1 -> PT1 (empty), the rest not present.
        mov     edi, PD
        mov     ecx, 3 * 1024
        xor     eax, eax
        rep stosd
        mov     edi, PT0
        mov     eax, PTE_P | PTE_RW | PTE_US
        mov     ecx, 1024
.pt0:   stosd
        add     eax, 0x1000
        loop    .pt0
        mov     dword [PD], PT0 | PTE_P | PTE_RW | PTE_US
        mov     dword [PD + 4], PT1 | PTE_P | PTE_RW | PTE_US
        MAP     BASIC, 0x20000 | PTE_P | PTE_RW
        MAP     ADPAGE, 0x21000 | PTE_P | PTE_RW
        MAP     ROPAGE, 0x23000 | PTE_P | PTE_US
        MAP     USERRW, 0x24000 | PTE_P | PTE_RW | PTE_US
        MAP     EXEC1, 0x26000 | PTE_P | PTE_RW
        MAP     EXEC2, 0x2A000 | PTE_P | PTE_RW
        MAP     SUPPAGE, 0x2C000 | PTE_P | PTE_RW
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, CR0_PG
        mov     cr0, eax
        jmp     .paged                  ; (the code is identity mapped)
.paged: mov     eax, cr0
        and     eax, CR0_PG | 1
        CHECKP  "CR0.PG and PE set", CR0_PG | 1

; ------------------------------------------------- 0x20 4-KiB translation
        POST32  0x20
        mov     dword [0x20010], 0xCAFEBABE
        mov     eax, [BASIC + 0x10]
        CHECKP  "read 400010h: frame 20000h", 0xCAFEBABE
        mov     dword [BASIC + 0x20], 0x12345678
        mov     eax, [0x20020]
        CHECKP  "write 400020h lands in 20020h", 0x12345678
        mov     eax, [ADPAGE]
        mov     eax, [PT1 + 4]
        and     eax, PTE_A | PTE_D
        CHECKP  "read sets A, not D, in the PTE", PTE_A
        mov     eax, [PD + 4]
        and     eax, PTE_A | PTE_D
        CHECKP  "  ... and A in the PDE", PTE_A
        mov     dword [ADPAGE + 8], 1
        mov     eax, [PT1 + 4]
        and     eax, PTE_A | PTE_D
        CHECKP  "first write sets D", PTE_A | PTE_D

; ------------------------------------------------------- 0x30 #PF, CR0.WP
        POST32  0x30
        EXPECT_PF
        mov     eax, [NOTP + 0x123]
        EXPECT_END "read of a not-present page: #PF", NOTP + 0x123, 0
        EXPECT_PF
.w_np:  mov     dword [NOTP + 0x456], 0
        EXPECT_END "write of a not-present page: #PF", NOTP + 0x456, PF_W
        mov     eax, [PF_EIP]
        CHECKP  "  ... saved EIP is the faulting MOV", ROM_BASE + .w_np
        mov     eax, [PT1 + ((NOTP >> 12) & 0x3FF) * 4]
        CHECKP  "  ... the not-present PTE is untouched", 0
        mov     dword [ROPAGE + 4], 0x600D
        mov     eax, [0x23004]
        CHECKP  "supervisor write to a read-only page with WP = 0", 0x600D
        mov     eax, cr0
        or      eax, CR0_WP
        mov     cr0, eax
        EXPECT_PF
        mov     dword [ROPAGE + 8], 0xBAD
        EXPECT_END "  ... with WP = 1: #PF", ROPAGE + 8, PF_P | PF_W
        mov     eax, [0x23008]
        CHECKP  "  ... nothing written", 0
        mov     eax, cr0
        and     eax, ~CR0_WP
        mov     cr0, eax

; ------------------------------------ 0x40 accesses and fetches across pages
        POST32  0x40
        mov     word [0x24FFE], 0xEEEE
        EXPECT_PF
        mov     dword [USERRW + 0xFFE], 0x11223344
        EXPECT_END "dword write into a not-present 2nd page: #PF", USERRW + 0x1000, PF_W
        movzx   eax, word [0x24FFE]
        CHECKP  "  ... no byte written on the 1st page", 0xEEEE
        mov     word [0x24FFE], 0x2211
        MAP     USERRW + 0x1000, 0x25000 | PTE_P | PTE_RW | PTE_US
        mov     word [0x25000], 0x4433
        mov     eax, [USERRW + 0xFFE]
        CHECKP  "dword read across two mapped pages", 0x44332211
        MAP     USERRW + 0x1000, 0
        invlpg  [USERRW + 0x1000]

        ; mov eax, 12345678h ends at the last byte of EXEC1's page; the
        ; next fetch (at 407000h, not present) faults.
        mov     dword [0x26FFB], 0x345678B8
        mov     byte [0x26FFF], 0x12
        xor     eax, eax
        EXPECT_PF
        mov     ecx, EXEC1 + 0xFFB
        jmp     ecx
        EXPECT_END "fetch at 407000h (not present): #PF", EXEC1 + 0x1000, 0
        mov     eax, [PF_EIP]
        CHECKP  "  ... saved EIP 407000h", EXEC1 + 0x1000
        ; mov eax, imm32 split 3 + 2 bytes over EXEC2 and a not-present page.
        mov     dword [0x2AFFC], 0x5678B800
        mov     dword [PF_EIP], 0
        EXPECT_PF
        mov     ecx, EXEC2 + 0xFFD
        jmp     ecx
        EXPECT_END "instruction split over a not-present page: #PF", EXEC2 + 0x1000, 0
        mov     eax, [PF_EIP]
        CHECKP  "  ... saved EIP is the instruction", EXEC2 + 0xFFD

; ------------------------------------------------------ 0x50 ring-3 accesses
        POST32  0x50
        mov     [MON_ESP], esp
        push    dword DATA3             ; SS
        push    dword R3_STACK          ; ESP
        push    dword 0x3002            ; EFLAGS: IOPL 3 (OUT for the reports)
        push    dword CODE3
        push    dword ROM_BASE + ring3
        iretd
ring3:
        mov     ax, DATA3
        mov     ds, ax
        mov     es, ax
        EXPECT_PF
        mov     eax, [SUPPAGE]
        EXPECT_END "ring 3 read of a supervisor page: #PF", SUPPAGE, PF_P | PF_U
        EXPECT_PF
        mov     dword [ROPAGE + 0x10], 1
        EXPECT_END "ring 3 write to a read-only page: #PF", ROPAGE + 0x10, PF_P | PF_W | PF_U
        EXPECT_PF
        mov     eax, [NOTP]
        EXPECT_END "ring 3 read of a not-present page: #PF", NOTP, PF_U
        EXPECT_PF
        mov     dword [USERRW + 0xFFC], 0
        mov     dword [USERRW + 0xFFE], 0
        EXPECT_END "ring 3 write across into a not-present page: #PF", USERRW + 0x1000, PF_W | PF_U
        mov     eax, [ROPAGE + 4]
        CHECKP  "ring 3 read of a user read-only page", 0x600D
        int     0x42                    ; back to ring 0 for good
        jmp     unexpected

monitor_back:
        xor     eax, eax
        mov     ax, cs
        CHECKP  "back in ring 0", CODE32

; ------------------------------------------------------ 0x60 TLB staleness
        POST32  0x60
        mov     dword [FRAME_A], MARK_A
        mov     dword [FRAME_B], MARK_B
        MAP     STALE, FRAME_A | PTE_P | PTE_RW
        mov     eax, [STALE]
        CHECKP  "408000h maps frame A", MARK_A
        MAP     STALE, FRAME_B | PTE_P | PTE_RW
        mov     eax, [STALE]
        CHECKP  "PTE changed: the TLB still gives frame A", MARK_A
        invlpg  [STALE + 0x800]
        mov     eax, [STALE]
        CHECKP  "after INVLPG: frame B", MARK_B
        MAP     STALE, FRAME_A | PTE_P | PTE_RW
        mov     eax, [STALE]
        CHECKP  "PTE changed back: still frame B", MARK_B
        mov     eax, cr3
        mov     cr3, eax
        mov     eax, [STALE]
        CHECKP  "after MOV CR3: frame A", MARK_A

; --------------------------------------------------------- 0x70 global pages
        POST32  0x70
        mov     eax, cr4
        or      eax, CR4_PGE
        mov     cr4, eax
        MAP     GPAGE, FRAME_A | PTE_P | PTE_RW | PTE_G
        mov     eax, [GPAGE]
        CHECKP  "global page maps frame A", MARK_A
        MAP     GPAGE, FRAME_B | PTE_P | PTE_RW | PTE_G
        mov     eax, cr3
        mov     cr3, eax
%ifndef QEMU
        mov     eax, [GPAGE]
        CHECKP  "global entry survives MOV CR3", MARK_A
%endif
        invlpg  [GPAGE]
        mov     eax, [GPAGE]
        CHECKP  "INVLPG drops it: frame B", MARK_B
        MAP     GPAGE, FRAME_A | PTE_P | PTE_RW | PTE_G
        mov     eax, cr3
        mov     cr3, eax
%ifndef QEMU
        mov     eax, [GPAGE]
        CHECKP  "  ... global again: MOV CR3 keeps frame B", MARK_B
%endif
        mov     eax, cr4
        and     eax, ~CR4_PGE
        mov     cr4, eax
        mov     eax, [GPAGE]
        CHECKP  "clearing CR4.PGE flushes it: frame A", MARK_A

; ------------------------------------------------------- 0x80 4-MiB pages
        POST32  0x80
        mov     eax, cr4
        or      eax, CR4_PSE
        mov     cr4, eax
        mov     dword [PD + 8], 0 | PTE_PS | PTE_P | PTE_RW ; BIG -> 0
        mov     dword [PD + 12], 0x400000 | PTE_PS | PTE_P | PTE_RW ; BIG2 -> 4 MiB
        ; Physical 420010h, through BIG2. (Done before BIG + 20010h is
        ; cached: ox86's direct-mapped TLB keeps one of C20000h and
        ; 820000h, and a real TLB may drop entries too.)
        mov     dword [BIG2 + 0x20010], 0x5EED
        mov     eax, [BIG + 0x20010]
        CHECKP  "4-MiB page: 820010h reads 20010h", 0xCAFEBABE
        mov     eax, [PD + 8]
        and     eax, PTE_A | PTE_D
        CHECKP  "  ... A set in the PDE", PTE_A
        mov     dword [BIG + 0x30000], 7
        mov     eax, [PD + 8]
        and     eax, PTE_A | PTE_D
        CHECKP  "  ... a write sets D in the PDE", PTE_A | PTE_D
        mov     dword [PD + 8], 0x400000 | PTE_PS | PTE_P | PTE_RW
        mov     eax, [BIG + 0x20010]
        CHECKP  "PDE changed: the cached piece still reads 20010h", 0xCAFEBABE
        invlpg  [BIG + 0x3FF000]        ; another address in the same page
        mov     eax, [BIG + 0x20010]
        CHECKP  "INVLPG anywhere in the 4-MiB page drops it", 0x5EED
        ; Bit 21 is reserved whatever MAXPHYADDR is (bits 20:13 hold
        ; physical address bits 39:32 with PSE-36).
        mov     dword [PD + 8], 0x200000 | PTE_PS | PTE_P | PTE_RW
        invlpg  [BIG]
        EXPECT_PF
        mov     eax, [BIG + 0x20010]
        EXPECT_END "reserved bit 21 in a 4-MiB PDE: #PF", BIG + 0x20010, RSVD_P | PF_RSVD
        EXPECT_PF
        mov     dword [BIG], 0
        EXPECT_END "  ... on a write too", BIG, RSVD_P | PF_W | PF_RSVD
        mov     dword [PD + 8], 0

; ------------------------------------------------------ 0x90 CR0.PG off/on
        POST32  0x90
        mov     dword [BIG2 + 0x10], 0x0BADF00D ; physical 400010h
        mov     eax, cr0
        and     eax, ~CR0_PG
        mov     cr0, eax
        jmp     .off
.off:   mov     eax, [BASIC + 0x10]
        CHECKP  "paging off: 400010h is physical", 0x0BADF00D
        mov     eax, cr0
        or      eax, CR0_PG
        mov     cr0, eax
        jmp     .on
.on:    mov     eax, [BASIC + 0x10]
        CHECKP  "paging on again: 400010h -> 20010h", 0xCAFEBABE

        jmp     finish32

; ------------------------------------------------------------- handlers
; set_gate: EDI = descriptor address, EAX = offset, CL = access byte
; (selector CODE32).
set_gate:
        mov     [edi], ax
        mov     word [edi + 2], CODE32
        mov     byte [edi + 4], 0
        mov     [edi + 5], cl
        shr     eax, 16
        mov     [edi + 6], ax
        ret

; #PF: record CR2, the error code and EIP; resume at [PF_RESUME].
pf_handler:
        push    eax
        push    ds
        mov     ax, DATA32
        mov     ds, ax
        mov     eax, cr2
        mov     [PF_CR2], eax
        mov     eax, [esp + 8]
        mov     [PF_ERR], eax
        mov     eax, [esp + 12]
        mov     [PF_EIP], eax
        inc     dword [PF_COUNT]
        mov     eax, [PF_RESUME]
        mov     [esp + 12], eax
        pop     ds
        pop     eax
        add     esp, 4                  ; the error code
        iretd

; INT 42h from ring 3: back to the monitor.
ring3_exit:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     esp, [MON_ESP]
        jmp     monitor_back

; Any other vector: report and end.
        UNEXPECTED_DUMP32

        COMMON32_CODE

; ------------------------------------------------------------ tables
        bits    16
        align   8
gdt:    GDT_FLAT                        ; null, CODE32, DATA32, CODE3, DATA3
        TSS32_DESC TSS_BASE             ; 28 TSS32
gdt_end:

        TABLE_POINTERS GDT_BASE, 256

        ROM_END

; exceptions.asm: exceptions and debug features (Intel SDM Vol. 3A §6.15
; exception reference, Table 6-5 double faults; ch. 17 debug registers,
; single-step, breakpoints and RF; §6.15 #AC).
;
; Enters flat 32-bit protected mode with a GDT, an IDT whose every vector
; goes to a recording stub, and a 32-bit TSS (ring-0 stack), then:
;   0x30  #DE (DIV by 0), #UD (UD2), #GP(sel) (MOV DS beyond the GDT):
;         vector, error code, saved EIP = the faulting instruction, RF set
;         in the pushed EFLAGS;
;   0x40  INT3: #BP with the saved EIP after the instruction, RF clear;
;   0x50  TF single-step: a trap after every instruction, starting with the
;         one after the POPFD that set TF and ending with the POPFD that
;         clears it; DR6.BS;
;   0x60  DR0 instruction breakpoint (fault before the instruction; the
;         handler sets RF in the stacked EFLAGS so the instruction runs once),
;         DR1 data write breakpoint (trap after the write), DR6.B0/B1;
;   0x70  #AC(0): a misaligned read at ring 3 with CR0.AM and EFLAGS.AC (an
;         aligned one and a misaligned one at ring 0 do not fault);
;   0x80  #DF(0): #GP while the #GP gate is not present (#NP during the
;         delivery of #GP, both contributory); and #UD with its gate not
;         present gives #NP(6·8+2+EXT) (benign, then contributory: serial).
;
; Under QEMU (TCG) three architectural details differ: faults push EFLAGS
; with RF clear (the SDM, §17.3.1.1: RF is 1 for every fault-class
; exception but an instruction breakpoint), there is no alignment checking,
; and a fault during the delivery of an exception has EXT clear in its error
; code (SDM §6.13: EXT is set when the exception occurred during delivery of
; an earlier exception). Build with `nasm -DQEMU` to skip those checks; the
; rest passes under `qemu-system-i386 -bios exceptions.bin -debugcon stdio
; -device isa-debug-exit,iobase=0xf4,iosize=1 -display none`.
;
; Reports like every ox86 test ROM (common.inc): "PASS/FAIL name" lines on
; port 0xE9, POST codes above, then 0xFF and exit status 33 when all passed,
; or 0xEE and 35. An unexpected exception prints FAIL and ends the run.

%include "common.inc"
%include "common32.inc"

        cpu     686

CODE32  equ 0x08                        ; flat code, DPL 0
DATA32  equ 0x10                        ; flat data, DPL 0
CODE3   equ 0x18 | 3                    ; flat code, DPL 3
DATA3   equ 0x20 | 3                    ; flat data, DPL 3
TSS32   equ 0x28                        ; 32-bit TSS

GDT_BASE equ 0x2000
IDT_BASE equ 0x0800                     ; 32 gates, to 0x8FF
TSS_BASE equ 0x3000
MON_STACK equ 0x80000
RING0_STACK equ 0x70000
R3_STACK equ 0x60000
DATA_AREA equ 0x5000                    ; test data

; Mailboxes (linear; CHECKS/FAILS of common.inc are at 0x600).
MON_ESP   equ 0x640                     ; monitor ESP while a fault is armed
RESUME    equ 0x644                     ; where the recorder continues
X_VEC     equ 0x648                     ; last exception recorded
X_ERR     equ 0x64C                     ; its error code (-1: none)
X_EIP     equ 0x650
X_CS      equ 0x654
X_EFL     equ 0x658
X_COUNT   equ 0x65C
STEP_N    equ 0x660                     ; single-step trace
DB_N      equ 0x664                     ; #DB calls (breakpoint handler)
DB_DR6    equ 0x668
DB_EIP    equ 0x66C
STEP_LIST equ 0x680                     ; 16 dwords

EFL_TF  equ 0x100
EFL_RF  equ 0x10000
EFL_AC  equ 0x40000
CR0_AM  equ 1 << 18
DR6_BS  equ 1 << 14
NONE    equ 0xFFFFFFFF

start:
        ROM_INIT
        PRINT   "exceptions: faults, traps, #DF, single-step, breakpoints, #AC", 10
        POST    0x10
        ROM_COPY gdt, gdt_end, GDT_BASE
        ENTER_PM32 pm_entry

        bits    32
; ARM continuation: the next exception goes to the recorder, which stores
; its frame and continues at `continuation` on the current stack.
%macro  ARM 1
        mov     dword [RESUME], ROM_BASE + %1
        mov     [MON_ESP], esp
        mov     dword [X_VEC], NONE
        mov     dword [X_ERR], NONE
        mov     dword [X_EIP], NONE
%endmacro

; EXPECT "name", vector, error code, label of the saved EIP
%macro  EXPECT 4
        mov     eax, [X_VEC]
        CHECKP  {%1, ": vector"}, %2
        mov     eax, [X_ERR]
        CHECKP  {%1, ": error code"}, %3
        mov     eax, [X_EIP]
        CHECKP  {%1, ": saved EIP"}, ROM_BASE + %4
%endmacro

; SETVEC vector, handler: a ring-0 interrupt gate.
%macro  SETVEC 2
        mov     edi, IDT_BASE + (%1) * 8
        mov     eax, ROM_BASE + %2
        call    set_gate
%endmacro

pm_entry:
        FLAT_SEGS MON_STACK
        POST32  0x20
        mov     edi, MON_ESP            ; clear the mailboxes
        mov     ecx, (STEP_LIST + 16 * 4 - MON_ESP) / 4
        xor     eax, eax
        rep stosd
        mov     dword [RESUME], ROM_BASE + unexpected
        ; Vector v goes to stub v (16 bytes each).
        xor     edx, edx
.fill:  mov     eax, edx
        shl     eax, 4
        add     eax, ROM_BASE + stubs
        lea     edi, [IDT_BASE + edx * 8]
        call    set_gate
        inc     edx
        cmp     edx, 32
        jb      .fill
        lidt    [ROM_BASE + idt_desc]
        ; TSS: only SS0:ESP0 matter; no I/O bitmap.
        RING0_TSS RING0_STACK

; ---------------------------------------------------------------- 0x30 faults
        POST32  0x30
        ARM     .de_done
        xor     ecx, ecx
.de:    div     ecx
        jmp     unexpected_return
.de_done:
        EXPECT  "#DE div by 0", 0, NONE, .de
%ifndef QEMU
        mov     eax, [X_EFL]
        and     eax, EFL_RF
        CHECKP  "#DE: RF set in the pushed EFLAGS", EFL_RF
%endif
        mov     eax, [X_CS]
        CHECKP  "#DE: saved CS", CODE32

        ARM     .ud_done
.ud:    ud2
        jmp     unexpected_return
.ud_done:
        EXPECT  "#UD ud2", 6, NONE, .ud

        ARM     .gp_done
        mov     ax, 0x100               ; GDT index 32: beyond the limit
.gp:    mov     ds, ax
        jmp     unexpected_return
.gp_done:
        EXPECT  "#GP mov ds beyond the GDT limit", 13, 0x100, .gp

; ------------------------------------------------------------------ 0x40 INT3
        POST32  0x40
        ARM     .bp_done
        int3
.bp_next:
        jmp     unexpected_return
.bp_done:
        EXPECT  "#BP int3 (trap)", 3, NONE, .bp_next
        mov     eax, [X_EFL]
        and     eax, EFL_RF
        CHECKP  "#BP: RF clear", 0

; ------------------------------------------------------ 0x50 single-stepping
        POST32  0x50
        SETVEC  1, db_step
        pushfd
        or      dword [esp], EFL_TF
        popfd                           ; no trap after the POPFD that sets TF
.s1:    nop
.s2:    nop
.s3:    pushfd
.s4:    and     dword [esp], ~EFL_TF
.s5:    popfd                           ; a trap after it: TF was set before
.s6:    nop
        mov     eax, [STEP_N]
        CHECKP  "single-step: traps counted", 5
        mov     eax, [STEP_LIST]
        CHECKP  "single-step: first trap after the instruction after POPFD", ROM_BASE + .s2
        mov     eax, [STEP_LIST + 4]
        CHECKP  "single-step: second trap", ROM_BASE + .s3
        mov     eax, [STEP_LIST + 16]
        CHECKP  "single-step: last trap after the POPFD that clears TF", ROM_BASE + .s6
        mov     eax, dr6
        and     eax, DR6_BS
        CHECKP  "single-step: DR6.BS", DR6_BS

; ---------------------------------------------------------- 0x60 breakpoints
        POST32  0x60
        SETVEC  1, db_resume
        xor     eax, eax
        mov     dr6, eax
        mov     eax, ROM_BASE + .ibp
        mov     dr0, eax
        mov     eax, 0x00000002         ; G0, R/W0 = 00 (execute), LEN0 = 00
        mov     dr7, eax
        xor     ebx, ebx
.ibp:   inc     ebx                     ; #DB before it, then it runs once
        inc     ebx
        xor     eax, eax
        mov     dr7, eax
        mov     eax, [DB_N]
        CHECKP  "DR0 instruction breakpoint: one #DB", 1
        mov     eax, [DB_EIP]
        CHECKP  "DR0 instruction breakpoint: fault (saved EIP at it)", ROM_BASE + .ibp
        mov     eax, [DB_DR6]
        and     eax, 0xF
        CHECKP  "DR0 instruction breakpoint: DR6.B0", 1
        mov     eax, ebx
        CHECKP  "DR0 instruction breakpoint: RF lets it run once", 2

        SETVEC  1, stub1
        ARM     .dbp_done
        mov     eax, DATA_AREA + 4
        mov     dr1, eax
        mov     eax, (1 << 3) | (1 << 20) | (3 << 22) ; G1, R/W1 = 01 (write), LEN1 = 4
        mov     dr7, eax
        mov     eax, [DATA_AREA + 4]    ; a read: no break
        mov     dword [DATA_AREA + 6], 7 ; overlaps the 4 bytes: trap after
.dbp_next:
        jmp     unexpected_return
.dbp_done:
        xor     eax, eax
        mov     dr7, eax
        EXPECT  "DR1 data write breakpoint (trap)", 1, NONE, .dbp_next
        mov     eax, dr6
        and     eax, 0xF
        CHECKP  "DR1 data write breakpoint: DR6.B1", 2
        mov     eax, [DATA_AREA + 6]
        CHECKP  "DR1 data write breakpoint: the write happened", 7

; ------------------------------------------------------------------ 0x70 #AC
        POST32  0x70
        mov     eax, cr0
        or      eax, CR0_AM
        mov     cr0, eax
        ; Ring 0 with AC set: no alignment checks.
        ARM     unexpected
        pushfd
        or      dword [esp], EFL_AC
        popfd
        mov     eax, [DATA_AREA + 1]
        pushfd
        and     dword [esp], ~EFL_AC
        popfd
        mov     eax, [X_VEC]
        CHECKP  "#AC: not at ring 0", NONE
%ifndef QEMU
        ; Ring 3 with AC set.
        ARM     .ac_done
        mov     ax, DATA3
        mov     ds, ax
        mov     es, ax
        push    dword DATA3             ; SS
        push    dword R3_STACK          ; ESP
        push    dword EFL_AC | 2        ; EFLAGS: AC, IOPL 0, IF 0
        push    dword CODE3
        push    dword ROM_BASE + .ring3
        iretd
.ring3: mov     eax, [DATA_AREA + 4]    ; aligned: fine
        mov     ax, [DATA_AREA + 2]     ; aligned word: fine
.ac:    mov     eax, [DATA_AREA + 2]    ; misaligned dword: #AC(0)
        ud2
.ac_done:                               ; back at ring 0 (the recorder reloaded DS)
        mov     ax, DATA32
        mov     es, ax
        mov     fs, ax                  ; (FS and GS were nulled by the IRET to ring 3)
        mov     gs, ax
        EXPECT  "#AC misaligned dword at ring 3", 17, 0, .ac
        mov     eax, [X_CS]
        CHECKP  "#AC: saved CS is ring 3", CODE3
        mov     eax, [X_EFL]
        and     eax, EFL_AC | EFL_RF
        CHECKP  "#AC: saved EFLAGS has AC and RF", EFL_AC | EFL_RF
%endif
        mov     eax, cr0
        and     eax, ~CR0_AM
        mov     cr0, eax

; ------------------------------------------------------------------ 0x80 #DF
        POST32  0x80
        mov     byte [IDT_BASE + 13 * 8 + 5], 0x0E ; #GP gate not present
        ARM     .df_done
        mov     ax, 0x100
.df:    mov     ds, ax                  ; #GP → #NP while delivering → #DF
        jmp     unexpected_return
.df_done:
        mov     byte [IDT_BASE + 13 * 8 + 5], 0x8E
        mov     eax, [X_VEC]
        CHECKP  "#DF: #GP with its gate not present", 8
        mov     eax, [X_ERR]
        CHECKP  "#DF: error code 0", 0

        mov     byte [IDT_BASE + 6 * 8 + 5], 0x0E ; #UD gate not present
        ARM     .serial_done
.serial:
        ud2                             ; #UD → #NP(gate 6): handled serially
        jmp     unexpected_return
.serial_done:
        mov     byte [IDT_BASE + 6 * 8 + 5], 0x8E
%ifndef QEMU
        EXPECT  "#UD with its gate not present: #NP(6*8+IDT+EXT)", 11, 6 * 8 + 3, .serial
%else
        mov     eax, [X_VEC]
        CHECKP  "#UD with its gate not present: #NP", 11
%endif

        jmp     finish32

; set_gate: ring-0 32-bit interrupt gate at EDI to handler EAX.
set_gate:
        mov     [edi], ax
        mov     word [edi + 2], CODE32
        mov     word [edi + 4], 0x8E00
        shr     eax, 16
        mov     [edi + 6], ax
        ret

; record: store the exception frame (pushed by a stub: vector, error code
; or -1, EIP, CS, EFLAGS), then continue at [RESUME] on the monitor stack.
record:
        mov     ax, DATA32
        mov     ds, ax
        pop     dword [X_VEC]
        pop     dword [X_ERR]
        pop     dword [X_EIP]
        pop     dword [X_CS]
        pop     dword [X_EFL]
        inc     dword [X_COUNT]
        mov     esp, [MON_ESP]
        jmp     [RESUME]

; db_step: append the saved EIP to STEP_LIST and return.
db_step:
        push    eax
        push    edx
        mov     eax, [STEP_N]
        mov     edx, [esp + 8]
        mov     [STEP_LIST + eax * 4], edx
        inc     dword [STEP_N]
        pop     edx
        pop     eax
        iretd

; db_resume: count, keep DR6 and the saved EIP, return with RF set so the
; instruction at an instruction breakpoint runs.
db_resume:
        push    eax
        inc     dword [DB_N]
        mov     eax, dr6
        mov     [DB_DR6], eax
        mov     eax, [esp + 4]
        mov     [DB_EIP], eax
        or      dword [esp + 12], EFL_RF
        pop     eax
        iretd

; A faulting instruction did not fault.
unexpected_return:
        PRINT32 "FAIL an expected exception did not happen", 10
        inc     word [CHECKS]
        inc     word [FAILS]
        jmp     finish32

; Any exception nobody armed for.
unexpected:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        PRINT32 "FAIL unexpected exception "
        mov     eax, [X_VEC]
        call    puthex32
        PRINT32 " error "
        mov     eax, [X_ERR]
        call    puthex32
        PRINT32 " at "
        mov     eax, [X_EIP]
        call    puthex32
        PRINT32 10
        inc     word [CHECKS]
        inc     word [FAILS]
        jmp     finish32

; Recording stubs, 16 bytes each: the vectors without an error code push
; -1 in its place.
        align   16
stubs:
%assign i 0
%rep 32
        align   16, db 0x90
%if i == 8 || (i >= 10 && i <= 14) || i == 17
%else
        push    dword -1
%endif
        push    dword i
        jmp     record
%assign i i+1
%endrep
stub1   equ     stubs + 16

        COMMON32_CODE

; ------------------------------------------------------------ tables
        align   8
gdt:    GDT_FLAT                        ; null, CODE32, DATA32, CODE3, DATA3
        TSS32_DESC TSS_BASE             ; 28 TSS32
gdt_end:

        TABLE_POINTERS GDT_BASE, 32     ; the GDT's RAM copy

        ROM_END

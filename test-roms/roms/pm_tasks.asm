; pm_tasks.asm: hardware task switching and I/O permission (Intel SDM Vol. 3A
; ch. 7, Vol. 1 §19.5). Enters 32-bit protected mode, loads TR, then switches
; tasks every way the CPU can: JMP to a TSS (and back), CALL to a TSS and
; IRET with NT set (back link, NT, busy bits), CALL through a task gate in
; the GDT, INT n through an IDT task gate, a #GP delivered through an IDT
; task gate (error code on the handler task's stack), a 16-bit TSS, the
; T (debug trap) bit, a fault in the new task after the switch point, and
; the faults before it (busy, not present, limit, IRET to an available
; TSS). Then a ring-3 task with IOPL 0 uses the I/O permission bitmap
; of its TSS: allowed and denied ports, word accesses spanning two bits,
; ports beyond the TSS limit, INS. Finally a virtual-8086 task (VM set in
; its TSS) finds the bitmap applies even at IOPL 3, and comes back through
; a DPL-3 IDT task gate.
;
; Under QEMU (TCG) a fault raised after the switch point is reported with
; the EIP of the instruction that switched tasks, not the new task's first
; instruction as SDM Vol. 3A §6.15 (Interrupt 10, "Saved Instruction
; Pointer") says, so that check loops; and QEMU ignores the T bit. Build
; with `nasm -DQEMU` to skip those two checks: the rest passes under
; `qemu-system-i386 -cpu pentium`.
;
; Reports like every ox86 test ROM (common.inc): "PASS/FAIL name" lines on
; port 0xE9; POST codes 0x10 (real mode), 0x20 (protected mode), 0x30..0x90
; (groups), then 0xFF and exit status 33 when all passed, or 0xEE and 35.

%include "common.inc"
%include "common32.inc"

        cpu     586

; GDT selectors (the table is copied to GDT_BASE in RAM: the CPU writes
; busy bits there).
CODE32  equ 0x08                        ; flat code, ring 0
DATA32  equ 0x10                        ; flat data, ring 0
CODE3   equ 0x18                        ; flat code, DPL 3
DATA3   equ 0x20                        ; flat data, DPL 3
TSS_MAIN equ 0x28                       ; the ROM's own task (LTR)
TSS_T1  equ 0x30                        ; JMP target
TSS_T2  equ 0x38                        ; CALL target (and via GATE_T2)
TSS_INT equ 0x40                        ; INT 40h task gate target
TSS_EXC equ 0x48                        ; #GP task gate target
TSS_BAD equ 0x50                        ; GS not present in its TSS
TSS_16  equ 0x58                        ; 16-bit TSS
TSS_IO  equ 0x60                        ; ring-3 task with an I/O bitmap
TSS_NP  equ 0x68                        ; TSS descriptor, not present
TSS_SMALL equ 0x70                      ; 32-bit TSS with limit 50h
GATE_T2 equ 0x78                        ; task gate to TSS_T2, DPL 0
GATE_MAIN3 equ 0x80                     ; task gate to TSS_MAIN, DPL 3
CODE16  equ 0x88                        ; 16-bit code at F0000h (this ROM)
DATA16  equ 0x90                        ; 16-bit data, base 0
NPDATA  equ 0x98                        ; data, not present
TSS_V86 equ 0xA0                        ; virtual-8086 task with a bitmap

GDT_BASE equ 0x2000
IDT_BASE equ 0x800                      ; 256 gates, up to 0xFFF
TSSM_BASE equ 0x3000
TSS1_BASE equ 0x3100
TSS2_BASE equ 0x3200
TSSI_BASE equ 0x3300
TSSE_BASE equ 0x3400
TSSB_BASE equ 0x3500
TSS16_BASE equ 0x3600
TSSIO_BASE equ 0x4000
TSSV_BASE equ 0x3700
IOMAP   equ 0x68                        ; bitmap offset in TSS_IO
IOLIMIT equ IOMAP + 0x80                ; bitmap bytes 0..80h: ports 0..3FFh

STACK   equ 0x80000                     ; main task
STACK1  equ 0x71000
STACK2  equ 0x72000
STACKI  equ 0x73000
STACKE  equ 0x74000
STACKB  equ 0x75000
STACK3  equ 0x76000                     ; ring-3 task
STACK30 equ 0x77000                     ; its ring-0 stack (ESP0)
STACK16 equ 0x7C00                      ; 16-bit task (SS = DATA16)
STACKV  equ 0x7A00                      ; V86 task (SS = 0)
STACKV0 equ 0x78000                     ; its ring-0 stack (ESP0)

NT      equ 0x4000                      ; EFLAGS.NT

; Fault mailbox: LASTVEC..SKIP at 0x610 (common32.inc).

; What the tasks saw (linear addresses).
T1_EAX  equ 0x640
T1_TR   equ 0x644
T1_FLAGS equ 0x648
T1_RUNS equ 0x64C
T2_FLAGS equ 0x650
T2_LINK equ 0x654
T2_MAINTYPE equ 0x658
T2_RUNS equ 0x65C
TI_FLAGS equ 0x660
TI_LINK equ 0x664
TI_RUNS equ 0x668
TE_ERR  equ 0x670
TE_ESP  equ 0x674
TE_LINK equ 0x678
TE_RUNS equ 0x67C
TB_TR   equ 0x680
T16_AX  equ 0x684
T16_FLAGS equ 0x688
T16_TR  equ 0x68C
T16_RUNS equ 0x690
V86_AL  equ 0x694

start:
        ROM_INIT
        PRINT   "pm_tasks: task switching and I/O permission", 10
        POST    0x10
        ROM_COPY gdt, gdt_end, GDT_BASE
        ENTER_PM32 pm_entry

        bits    32
; FAULTED "name", vector, error code, saved EIP (linear), saved CS
%macro  FAULTED 5
        push    eax
        mov     eax, [LASTVEC]
        CHECKP  %1, %2
        mov     eax, [LASTERR]
        CHECKP  "  ... error code", %3
        mov     eax, [FAULTIP]
        CHECKP  "  ... saved EIP", %4
        mov     eax, [FAULTCS]
        CHECKP  "  ... saved CS", %5
        pop     eax
%endmacro

; FAULT "name", vector, error code, instruction: it must fault before any
; task switch, in this task (saved CS:EIP = the instruction).
%macro  FAULT 4+
        ARM     %%site, %%end
%%site: %4
%%end:
        FAULTED %1, %2, %3, ROM_BASE + %%site, CODE32
%endmacro

; FAULT3: the same from the ring-3 task.
%macro  FAULT3 4+
        ARM     %%site, %%end
%%site: %4
%%end:
        FAULTED %1, %2, %3, ROM_BASE + %%site, CODE3 | 3
%endmacro

; INTGATE vector, handler: 32-bit ring-0 interrupt gate.
%macro  INTGATE 2
        mov     eax, ROM_BASE + %2
        mov     [IDT_BASE + (%1) * 8], ax
        mov     word [IDT_BASE + (%1) * 8 + 2], CODE32
        mov     word [IDT_BASE + (%1) * 8 + 4], 0x8E00
        shr     eax, 16
        mov     [IDT_BASE + (%1) * 8 + 6], ax
%endmacro

; TASKGATE vector, TSS selector: DPL 0 task gate in the IDT.
%macro  TASKGATE 2
        mov     dword [IDT_BASE + (%1) * 8], (%2) << 16
        mov     dword [IDT_BASE + (%1) * 8 + 4], 0x8500
%endmacro

; TSS32 base, EIP (linear), ESP, CS, data selector (ES/SS/DS/FS/GS):
; a 32-bit TSS with EFLAGS = 2, no LDT, no I/O bitmap.
%macro  TSS32 5
        mov     edi, %1
        xor     eax, eax
        mov     ecx, 0x68 / 4
        rep stosd
        mov     dword [%1 + 0x20], %2
        mov     dword [%1 + 0x24], 0x2
        mov     dword [%1 + 0x38], %3
        mov     dword [%1 + 0x4C], %4
        mov     eax, %5
        mov     [%1 + 0x48], eax
        mov     [%1 + 0x50], eax
        mov     [%1 + 0x54], eax
        mov     [%1 + 0x58], eax
        mov     [%1 + 0x5C], eax
        mov     word [%1 + 0x66], 0x68
%endmacro

pm_entry:
        FLAT_SEGS STACK, 0
        POST32  0x20
        PRINT32 "in protected mode", 10

        ; IDT: every vector to `unexpected`, then the ones under test.
        IDT_FILL unexpected
        INTGATE 1, stub1
        INTGATE 10, stub10
        INTGATE 11, stub11
        INTGATE 12, stub12
        INTGATE 13, stub13
        TASKGATE 0x40, TSS_INT
        ; INT 41h: back to the main task, reachable from V86 (DPL 3).
        mov     dword [IDT_BASE + 0x41 * 8], TSS_MAIN << 16
        mov     dword [IDT_BASE + 0x41 * 8 + 4], 0xE500
        lidt    [ROM_BASE + idt_desc]

        ; The tasks.
        TSS32   TSSM_BASE, 0, 0, 0, 0
        TSS32   TSS1_BASE, ROM_BASE + task1, STACK1, CODE32, DATA32
        mov     dword [TSS1_BASE + 0x28], 0x7A5C0001     ; EAX
        TSS32   TSS2_BASE, ROM_BASE + task2, STACK2, CODE32, DATA32
        TSS32   TSSI_BASE, ROM_BASE + taskint, STACKI, CODE32, DATA32
        TSS32   TSSE_BASE, ROM_BASE + taskexc, STACKE, CODE32, DATA32
        TSS32   TSSB_BASE, ROM_BASE + taskbad, STACKB, CODE32, DATA32
        mov     dword [TSSB_BASE + 0x5C], NPDATA         ; GS
        TSS32   TSSIO_BASE, ROM_BASE + task3, STACK3, CODE3 | 3, DATA3 | 3
        mov     dword [TSSIO_BASE + 4], STACK30          ; ESP0
        mov     dword [TSSIO_BASE + 8], DATA32           ; SS0
        mov     word [TSSIO_BASE + 0x66], IOMAP
        mov     edi, TSSIO_BASE + IOMAP                  ; all ports allowed...
        xor     eax, eax
        mov     ecx, (IOLIMIT + 1 - IOMAP) / 4 + 1
        rep stosd
        or      byte [TSSIO_BASE + IOMAP + 0x70 / 8], 1 << (0x70 % 8) ; ...but 70h
        or      byte [TSSIO_BASE + IOMAP + 0x81 / 8], 1 << (0x81 % 8) ; and 81h
        ; V86 task: CS:IP = F000:v86code, SS:SP = 0:STACKV, VM and IOPL 3;
        ; its bitmap denies port 70h only.
        TSS32   TSSV_BASE, v86code, STACKV, 0xF000, 0
        mov     dword [TSSV_BASE + 0x24], 0x23002        ; VM, IOPL 3
        mov     dword [TSSV_BASE + 4], STACKV0
        mov     dword [TSSV_BASE + 8], DATA32
        mov     word [TSSV_BASE + 0x66], IOMAP
        mov     edi, TSSV_BASE + IOMAP
        xor     eax, eax
        mov     ecx, (IOLIMIT + 1 - IOMAP) / 4 + 1
        rep stosd
        or      byte [TSSV_BASE + IOMAP + 0x70 / 8], 1 << (0x70 % 8)
        ; 16-bit TSS: IP, FLAGS, AX, SP, ES, CS, SS, DS, LDT.
        mov     edi, TSS16_BASE
        xor     eax, eax
        mov     ecx, 0x2C / 4
        rep stosd
        mov     word [TSS16_BASE + 0x0E], task16
        mov     word [TSS16_BASE + 0x10], 0x2
        mov     word [TSS16_BASE + 0x12], 0x1616
        mov     word [TSS16_BASE + 0x1A], STACK16
        mov     word [TSS16_BASE + 0x22], DATA16
        mov     word [TSS16_BASE + 0x24], CODE16
        mov     word [TSS16_BASE + 0x26], DATA16
        mov     word [TSS16_BASE + 0x28], DATA16

        mov     ax, TSS_MAIN
        ltr     ax
        movzx   eax, byte [GDT_BASE + TSS_MAIN + 5]
        CHECKP  "ltr marks the main TSS busy", 0x8B

; ----------------------------------------------------------- 0x30 JMP
        POST32  0x30
        clts
        mov     ebx, 0x12345678
        jmp     TSS_T1:0
        mov     eax, ebx
        CHECKP  "jmp back: EBX restored from the main TSS", 0x12345678
        mov     eax, [T1_RUNS]
        CHECKP  "jmp to a TSS runs the task", 1
        mov     eax, [T1_EAX]
        CHECKP  "  ... with EAX from its TSS", 0x7A5C0001
        mov     eax, [T1_TR]
        CHECKP  "  ... TR is the new TSS", TSS_T1
        mov     eax, [T1_FLAGS]
        and     eax, NT
        CHECKP  "  ... NT clear after a jmp", 0
        movzx   eax, word [TSS1_BASE]
        CHECKP  "  ... no back link written", 0
        movzx   eax, byte [GDT_BASE + TSS_T1 + 5]
        CHECKP  "jmp back frees the task's TSS", 0x89
        movzx   eax, byte [GDT_BASE + TSS_MAIN + 5]
        CHECKP  "  ... and marks the main TSS busy again", 0x8B
        mov     eax, [TSS1_BASE + 0x20]
        CHECKP  "  ... the task's EIP saved after its jmp", ROM_BASE + task1.resume
        mov     eax, [TSS1_BASE + 0x2C]
        CHECKP  "  ... the task's ECX saved", 0xC1C1C1C1
        mov     eax, cr0
        and     eax, 8
        CHECKP  "a task switch sets CR0.TS", 8
        str     ax
        movzx   eax, ax
        CHECKP  "str: back in the main task", TSS_MAIN

; ----------------------------------------------------- 0x40 CALL/IRET
        POST32  0x40
        mov     ebx, 0xCA11CA11
        call    TSS_T2:0
        mov     eax, ebx
        CHECKP  "call/iret: EBX restored", 0xCA11CA11
        mov     eax, [T2_RUNS]
        CHECKP  "call to a TSS runs the task", 1
        mov     eax, [T2_FLAGS]
        and     eax, NT
        CHECKP  "  ... with NT set", NT
        mov     eax, [T2_LINK]
        CHECKP  "  ... back link is the caller", TSS_MAIN
        mov     eax, [T2_MAINTYPE]
        CHECKP  "  ... the caller stays busy", 0x8B
        pushfd
        pop     eax
        and     eax, NT
        CHECKP  "iret returns with NT clear", 0
        movzx   eax, byte [GDT_BASE + TSS_T2 + 5]
        CHECKP  "iret frees the called task", 0x89
        mov     eax, [TSS2_BASE + 0x24]
        and     eax, NT
        CHECKP  "  ... and saves its EFLAGS with NT clear", 0
        call    TSS_T2:0
        mov     eax, [T2_RUNS]
        CHECKP  "a second call resumes after the task's iret", 2

; ------------------------------------------------------ 0x50 task gates
        POST32  0x50
        call    GATE_T2:0
        mov     eax, [T2_RUNS]
        CHECKP  "call through a task gate in the GDT", 3
        mov     eax, [T2_LINK]
        CHECKP  "  ... back link", TSS_MAIN
        int     0x40
        mov     eax, [TI_RUNS]
        CHECKP  "int 40h through an IDT task gate", 1
        mov     eax, [TI_FLAGS]
        and     eax, NT
        CHECKP  "  ... NT set in the handler task", NT
        mov     eax, [TI_LINK]
        CHECKP  "  ... back link", TSS_MAIN
        movzx   eax, byte [GDT_BASE + TSS_INT + 5]
        CHECKP  "  ... iret frees it", 0x89
        ; #GP through a task gate: the error code goes on the new stack.
        TASKGATE 13, TSS_EXC
        mov     ax, TSS_MAIN
        mov     ds, ax                  ; a TSS is no data segment: #GP(28h)
        INTGATE 13, stub13
        mov     eax, [TE_RUNS]
        CHECKP  "#GP through an IDT task gate", 1
        mov     eax, [TE_ERR]
        CHECKP  "  ... error code on the handler task's stack", TSS_MAIN
        mov     eax, [TE_ESP]
        CHECKP  "  ... pushed below its initial ESP", STACKE - 4
        mov     eax, [TE_LINK]
        CHECKP  "  ... back link", TSS_MAIN

; ----------------------------------------------------- 0x60 16-bit TSS
        POST32  0x60
        mov     ax, DATA32
        mov     fs, ax
        jmp     TSS_16:0
        mov     eax, [T16_RUNS]
        CHECKP  "jmp to a 16-bit TSS runs the task", 1
        mov     eax, [T16_AX]
        CHECKP  "  ... AX from the TSS", 0x1616
        mov     eax, [T16_TR]
        CHECKP  "  ... TR", TSS_16
        movzx   eax, word [TSS16_BASE + 0x0E]
        CHECKP  "  ... IP saved in the 16-bit TSS", task16.resume
        movzx   eax, word [TSS16_BASE + 0x24]
        CHECKP  "  ... CS saved", CODE16
        movzx   eax, byte [GDT_BASE + TSS_16 + 5]
        CHECKP  "  ... freed by the jmp back", 0x81
        mov     ax, fs
        movzx   eax, ax
        CHECKP  "main task's FS restored", DATA32

; -------------------------------------------------------- 0x70 faults
        POST32  0x70
        FAULT   "jmp to the running (busy) TSS: #GP(sel)", 13, TSS_MAIN, jmp TSS_MAIN:0
        FAULT   "call a not-present TSS: #NP(sel)", 11, TSS_NP, call TSS_NP:0
        FAULT   "jmp to a TSS with limit 50h: #TS(sel)", 10, TSS_SMALL, jmp TSS_SMALL:0
        mov     word [TSSM_BASE], TSS_T1 ; back link to an available TSS
        pushfd
        or      dword [esp], NT
        popfd
        FAULT   "iret (NT) to an available TSS: #TS(sel)", 10, TSS_T1, iretd
        pushfd
        and     dword [esp], ~NT
        popfd
        mov     word [TSSM_BASE], 0
        movzx   eax, byte [GDT_BASE + TSS_MAIN + 5]
        CHECKP  "faults before the switch leave the main TSS busy", 0x8B
%ifndef QEMU
        ; A fault after the switch point: GS of the new task is not
        ; present. #NP(sel) is taken in the new task, at its first
        ; instruction (the handler resumes there).
        ARM     0, 0                    ; resume where the fault is taken
        jmp     TSS_BAD:0
        FAULTED "fault in the new task's GS: #NP(sel)", 11, NPDATA, ROM_BASE + taskbad, CODE32
        mov     eax, [TB_TR]
        CHECKP  "  ... the switch completed (TR)", TSS_BAD
        ; The T bit: #DB in the new task before its first instruction.
        mov     byte [TSS1_BASE + 0x64], 1
        ARM     0, 0
        jmp     TSS_T1:0
        mov     byte [TSS1_BASE + 0x64], 0
        FAULTED "T bit in the TSS: #DB on entry", 1, 0, ROM_BASE + task1.resume, CODE32
        mov     eax, dr6
        and     eax, 0x8000
        CHECKP  "  ... DR6.BT", 0x8000
        mov     eax, [T1_RUNS]
        CHECKP  "  ... then the task runs", 2
%endif

; ------------------------------------------- 0x80 ring 3 and the I/O bitmap
        POST32  0x80
        mov     dx, 0x70
        NOFAULT "ring 0 (CPL <= IOPL): port 70h is not checked", in al, dx
        jmp     TSS_IO:0
        str     ax
        movzx   eax, ax
        CHECKP  "back from ring 3 through a DPL-3 task gate", TSS_MAIN
        mov     ax, cs
        movzx   eax, ax
        CHECKP  "  ... at CPL 0", CODE32
        movzx   eax, byte [GDT_BASE + TSS_IO + 5]
        CHECKP  "  ... the ring-3 task freed", 0x89

; ------------------------------------------------ 0x90 virtual-8086 task
        POST32  0x90
        mov     dword [LASTVEC], -1
        mov     dword [LASTERR], -1
        mov     dword [FAULTIP], -1
        mov     dword [FAULTCS], -1
        jmp     TSS_V86:0
        FAULTED "V86 at IOPL 3: in al, 70h (bit set): #GP(0)", 13, 0, v86code.site, 0xF000
        movzx   eax, byte [V86_AL]
        CHECKP  "V86: in al, 6Eh (bit clear)", 0xFF
        pushfd
        pop     eax
        and     eax, NT
        CHECKP  "back from V86 through an IDT task gate: NT set", NT
        movzx   eax, word [TSSM_BASE]
        CHECKP  "  ... back link is the V86 task", TSS_V86
        mov     eax, [TSSV_BASE + 0x24]
        and     eax, 0x20000
        CHECKP  "  ... its EFLAGS saved with VM", 0x20000
        movzx   eax, word [TSSV_BASE + 0x4C]
        CHECKP  "  ... and its V86 CS", 0xF000
        pushfd
        and     dword [esp], ~NT
        popfd
        jmp     finish32

; ------------------------------------------------------------ the tasks
task1:  mov     [T1_EAX], eax
        mov     ecx, 0xC1C1C1C1
        str     ax
        movzx   eax, ax
        mov     [T1_TR], eax
        pushfd
        pop     eax
        mov     [T1_FLAGS], eax
        inc     dword [T1_RUNS]
        jmp     TSS_MAIN:0
.resume:
        jmp     task1

task2:  pushfd
        pop     eax
        mov     [T2_FLAGS], eax
        movzx   eax, word [TSS2_BASE]
        mov     [T2_LINK], eax
        movzx   eax, byte [GDT_BASE + TSS_MAIN + 5]
        mov     [T2_MAINTYPE], eax
        inc     dword [T2_RUNS]
        iretd
        jmp     task2

taskint:
        pushfd
        pop     eax
        mov     [TI_FLAGS], eax
        movzx   eax, word [TSSI_BASE]
        mov     [TI_LINK], eax
        inc     dword [TI_RUNS]
        iretd
        jmp     taskint

taskexc:
        mov     [TE_ESP], esp
        pop     eax                     ; the error code
        mov     [TE_ERR], eax
        movzx   eax, word [TSSE_BASE]
        mov     [TE_LINK], eax
        add     dword [TSSM_BASE + 0x20], 2 ; skip the faulting mov ds, ax
        inc     dword [TE_RUNS]
        iretd
        jmp     taskexc

taskbad:
        str     ax
        movzx   eax, ax
        mov     [TB_TR], eax
        jmp     TSS_MAIN:0
        jmp     taskbad

; The ring-3 task: IOPL 0, so every port goes through the bitmap of its
; TSS (70h and 81h denied; ports from 400h lie beyond the TSS limit). It
; reports through the same macros (ports E9h and 190h are allowed).
task3:
        mov     ax, cs
        and     eax, 3
        CHECKP  "task switch into ring 3 (CPL from CS.RPL)", 3
        pushfd
        pop     eax
        and     eax, 0x3000
        CHECKP  "  ... IOPL 0", 0
        NOFAULT "in al, 6Eh (bit clear)", in al, 0x6E
        FAULT3  "in al, 70h (bit set): #GP(0)", 13, 0, in al, 0x70
        FAULT3  "in ax, 6Fh (70h's bit set): #GP(0)", 13, 0, in ax, 0x6F
        NOFAULT "in ax, 6Eh", in ax, 0x6E
        NOFAULT "in eax, 7Ch (7Ch..7Fh)", in eax, 0x7C
        FAULT3  "in eax, 7Eh (up to 81h): #GP(0)", 13, 0, in eax, 0x7E
        FAULT3  "out 81h, al: #GP(0)", 13, 0, out 0x81, al
        mov     dx, 0x3F0
        NOFAULT "in al, dx = 3F0h (bitmap bytes within the limit)", in al, dx
        mov     dx, 0x400
        FAULT3  "in al, dx = 400h (beyond the TSS limit): #GP(0)", 13, 0, in al, dx
        mov     edi, SCRATCH
        mov     byte [edi], 0x55
        mov     dx, 0x70
        FAULT3  "insb from port 70h: #GP(0)", 13, 0, insb
        mov     eax, edi
        CHECKP  "  ... EDI unchanged", SCRATCH
        movzx   eax, byte [SCRATCH]
        CHECKP  "  ... memory unchanged", 0x55
        mov     dx, 0x6E
        NOFAULT "insb from port 6Eh", insb
        movzx   eax, byte [SCRATCH]
        CHECKP  "  ... stores the byte read", 0xFF
        FAULT3  "jmp to the DPL-0 main TSS from ring 3: #GP(sel)", 13, TSS_MAIN, jmp TSS_MAIN:0
        jmp     GATE_MAIN3:0
        jmp     task3

        bits    16
; The 16-bit task (CS = CODE16, base F0000h: offsets are file offsets).
task16: mov     [T16_AX], ax
        pushf
        pop     ax
        mov     [T16_FLAGS], ax
        str     ax
        mov     [T16_TR], ax
        inc     word [T16_RUNS]
        jmp     TSS_MAIN:0
.resume:
        jmp     task16

; The V86 task (CS = F000h: offsets are file offsets; DS = 0). IOPL 3 does
; not open the ports in V86 mode: the bitmap decides.
v86code:
        in      al, 0x6E
        mov     [V86_AL], al
        mov     dword [SKIP], 2
.site:  in      al, 0x70                ; #GP(0): resumes 2 bytes on
        int     0x41                    ; task gate back to the main task
        jmp     v86code

        bits    32
; ------------------------------------------------------------ fault handlers
; The recorder of common32.inc: fault32 stores vector, error code and
; saved CS:EIP, then resumes SKIP bytes further on.
        FAULT_STUB_NOERR 1
        FAULT32_CODE                    ; stub10..stub13, fault32, unexpected

        COMMON32_CODE

; ------------------------------------------------------------------ tables
        align   8
gdt:    GDT_FLAT                        ; null, CODE32, DATA32, CODE3, DATA3
        ; 28 TSS_MAIN .. 50 TSS_BAD: 32-bit TSSs, limit 67h, available
        dw      0x0067, TSSM_BASE
        db      0x00, 0x89, 0x00, 0x00
        dw      0x0067, TSS1_BASE
        db      0x00, 0x89, 0x00, 0x00
        dw      0x0067, TSS2_BASE
        db      0x00, 0x89, 0x00, 0x00
        dw      0x0067, TSSI_BASE
        db      0x00, 0x89, 0x00, 0x00
        dw      0x0067, TSSE_BASE
        db      0x00, 0x89, 0x00, 0x00
        dw      0x0067, TSSB_BASE
        db      0x00, 0x89, 0x00, 0x00
        ; 58 TSS_16: 16-bit TSS, limit 2Bh
        dw      0x002B, TSS16_BASE
        db      0x00, 0x81, 0x00, 0x00
        ; 60 TSS_IO: 32-bit TSS with the bitmap
        dw      IOLIMIT, TSSIO_BASE
        db      0x00, 0x89, 0x00, 0x00
        ; 68 TSS_NP: not present
        dw      0x0067, TSS1_BASE
        db      0x00, 0x09, 0x00, 0x00
        ; 70 TSS_SMALL: limit 50h (< 67h)
        dw      0x0050, TSS1_BASE
        db      0x00, 0x89, 0x00, 0x00
        ; 78 GATE_T2: task gate to TSS_T2, DPL 0
        dw      0x0000, TSS_T2
        db      0x00, 0x85, 0x00, 0x00
        ; 80 GATE_MAIN3: task gate to TSS_MAIN, DPL 3
        dw      0x0000, TSS_MAIN
        db      0x00, 0xE5, 0x00, 0x00
        ; 88 CODE16: base F0000h, limit FFFFh, 16-bit
        dw      0xFFFF, 0x0000
        db      0x0F, 0x9A, 0x00, 0x00
        ; 90 DATA16: base 0, limit FFFFh, 16-bit
        dw      0xFFFF, 0x0000
        db      0x00, 0x92, 0x00, 0x00
        ; 98 NPDATA: writable data, not present
        dw      0xFFFF, 0x0000
        db      0x00, 0x12, 0x00, 0x00
        ; A0 TSS_V86: 32-bit TSS with the bitmap
        dw      IOLIMIT, TSSV_BASE
        db      0x00, 0x89, 0x00, 0x00
gdt_end:

        TABLE_POINTERS GDT_BASE, 256    ; the GDT's RAM copy

        ROM_END

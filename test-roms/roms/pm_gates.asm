; pm_gates.asm: control transfer across privilege levels (Intel SDM Vol. 3A
; §5.8 calls and returns, §6.12 interrupt delivery, §20 virtual-8086 mode;
; Vol. 2 SYSENTER/SYSEXIT).
;
; Enters 32-bit protected mode with a GDT, an IDT and a 32-bit TSS (ring-0
; stack) in RAM, then:
;   0x30  IRET from ring 0 to ring 3 (outer return: SS:ESP popped, DS with
;         a DPL 0 segment nulled, FS with a DPL 3 one kept, IOPL loaded);
;   0x40  INT 40h from ring 3 through a DPL 3 interrupt gate to ring 0
;         (stack switch from the TSS, 5-dword frame, IF cleared) and IRET
;         back; INT 41h through a DPL 0 gate: #GP(41h*8+2);
;   0x50  CALL through a 32-bit call gate to ring 0 copying two stack
;         parameters, RETF 8 back to ring 3;
;   0x60  SYSENTER to ring 0 and SYSEXIT back (SYSENTER_CS/ESP/EIP MSRs);
;   0x70  INT 42h from ring 3 back to the ring-0 monitor for good;
;   0x80  IRET to virtual-8086 mode with IOPL 3; the V86 code runs real-mode
;         style and INT 30h returns to the monitor (9-dword frame with
;         GS/FS/DS/ES, data segments nulled);
;   0x90  V86 mode with IOPL 0: CLI is #GP(0) to the monitor (10 dwords).
;
; Reports like every ox86 test ROM (common.inc): "PASS/FAIL name" lines on
; port 0xE9, POST codes above, then 0xFF and exit status 33 when all passed,
; or 0xEE and 35. An unexpected exception prints FAIL and ends the run.

%include "common.inc"
%include "common32.inc"

        cpu     686                     ; SYSENTER/SYSEXIT (P6 instructions; ox86 has SEP)

; GDT selectors. The layout from 08h is what SYSENTER/SYSEXIT require:
; SYSENTER_CS = 08h, SS = 10h, ring-3 CS = 18h|3, SS = 20h|3.
CODE32  equ 0x08                        ; flat code, DPL 0
DATA32  equ 0x10                        ; flat data, DPL 0
CODE3   equ 0x18 | 3                    ; flat code, DPL 3
DATA3   equ 0x20 | 3                    ; flat data, DPL 3
TSS32   equ 0x28                        ; 32-bit TSS
CGATE   equ 0x30                        ; 32-bit call gate, DPL 3 (built at run time)
CGATE3  equ CGATE | 3

GDT_BASE equ 0x2000
IDT_BASE equ 0x0800                     ; 256 gates, to 0xFFF
TSS_BASE equ 0x3000
MON_STACK equ 0x80000                   ; the ring-0 monitor
RING0_STACK equ 0x70000                 ; ESP0 in the TSS
R3_STACK equ 0x60000
SYSENTER_STACK equ 0x50000

MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176

; Mailboxes (linear; CHECKS/FAILS of common.inc are at 0x600).
MON_ESP   equ 0x640                     ; monitor ESP while away
V_NEXT    equ 0x644                     ; where a V86 exit continues
GP_MODE   equ 0x648                     ; 1: skip the INT n; 2: V86 exit
GP_ERR    equ 0x64C
GP_EIP    equ 0x650
GP_CS     equ 0x654
GP_EFLAGS equ 0x658
GP_ESP    equ 0x65C
H_ESP     equ 0x660                     ; INT 40h handler
H_CS      equ 0x664
H_EFLAGS  equ 0x668
FRAME     equ 0x670                     ; 5 dwords
CG_ESP    equ 0x690                     ; call-gate handler
CG_CS     equ 0x694
CG_FRAME  equ 0x698                     ; 6 dwords
SE_ESP    equ 0x6B0                     ; SYSENTER entry
SE_CS     equ 0x6B4
SE_SS     equ 0x6B8
SE_EFLAGS equ 0x6BC
V_ESP     equ 0x6C0                     ; V86 exit (INT 30h)
V_AX      equ 0x6C4
V_DSSEL   equ 0x6C8
V_ESSEL   equ 0x6CC
V_FSSEL   equ 0x6D0
V_GSSEL   equ 0x6D4
V_FRAME   equ 0x6E0                     ; 9 dwords

; V86 segments.
V86_SS  equ 0x2000
V86_SP  equ 0x1000
V86_ES  equ 0x3000
V86_DS  equ 0x3100
V86_FS  equ 0x3200
V86_GS  equ 0x3300

EFL_IF  equ 0x200
EFL_IOPL3 equ 0x3000
EFL_VM  equ 0x20000

start:
        ROM_INIT
        PRINT   "pm_gates: privilege transfers, call gates, V86, SYSENTER", 10
        POST    0x10
        ROM_COPY gdt, gdt_end, GDT_BASE
        ENTER_PM32 pm_entry

        bits    32
; SETGATE descriptor address, handler, selector, access byte, parameter count
%macro  SETGATE 5
        mov     edi, %1
        mov     eax, ROM_BASE + %2
        mov     ebx, %3
        mov     ecx, ((%5) << 8) | (%4)
        call    set_gate
%endmacro

; Push a V86 IRET frame (EIP, CS = F000, EFLAGS, ESP, SS, ES, DS, FS, GS).
%macro  V86_FRAME 2                     ; entry label, EFLAGS
        push    dword V86_GS
        push    dword V86_FS
        push    dword V86_DS
        push    dword V86_ES
        push    dword V86_SS
        push    dword V86_SP
        push    dword %2
        push    dword 0xF000
        push    dword %1 - $$
%endmacro

pm_entry:
        FLAT_SEGS MON_STACK
        POST32  0x20
        mov     edi, MON_ESP            ; clear the mailboxes
        mov     ecx, (V_FRAME + 9 * 4 - MON_ESP) / 4
        xor     eax, eax
        rep stosd
        ; Every vector: "unexpected" (ring 0 interrupt gate).
        mov     edi, IDT_BASE
        mov     edx, 256
.fill:  mov     eax, ROM_BASE + unexpected
        mov     ebx, CODE32
        mov     ecx, 0x8E
        call    set_gate
        add     edi, 8
        dec     edx
        jnz     .fill
        SETGATE IDT_BASE + 13 * 8, gp_handler, CODE32, 0x8E, 0
        SETGATE IDT_BASE + 0x30 * 8, v86_int30, CODE32, 0xEE, 0
        SETGATE IDT_BASE + 0x40 * 8, int40_handler, CODE32, 0xEE, 0
        SETGATE IDT_BASE + 0x41 * 8, int40_handler, CODE32, 0x8E, 0
        SETGATE IDT_BASE + 0x42 * 8, ring3_exit, CODE32, 0xEE, 0
        SETGATE GDT_BASE + CGATE, cg_handler, CODE32, 0xEC, 2
        lidt    [ROM_BASE + idt_desc]
        ; The TSS: only SS0:ESP0 matter; no I/O bitmap (base past the limit).
        RING0_TSS RING0_STACK
        ; SYSENTER MSRs.
        xor     edx, edx
        mov     ecx, MSR_SYSENTER_CS
        mov     eax, CODE32
        wrmsr
        mov     ecx, MSR_SYSENTER_ESP
        mov     eax, SYSENTER_STACK
        wrmsr
        mov     ecx, MSR_SYSENTER_EIP
        mov     eax, ROM_BASE + sysenter_entry
        wrmsr
        mov     eax, 1
        cpuid
        mov     eax, edx
        and     eax, 1 << 11
        CHECKP  "CPUID.1:EDX.SEP", 1 << 11

; ------------------------------------------------------- 0x30 IRET to ring 3
        POST32  0x30
        mov     [MON_ESP], esp
        mov     ax, DATA3
        mov     fs, ax                  ; DPL 3: survives the return
        push    dword DATA3             ; SS
        push    dword R3_STACK          ; ESP
        push    dword EFL_IOPL3 | EFL_IF | 2
        push    dword CODE3
        push    dword ROM_BASE + ring3
        iretd

ring3:
        xor     ebx, ebx
        mov     bx, ds
        mov     ax, DATA3
        mov     ds, ax
        mov     es, ax
        mov     eax, ebx
        CHECKP  "iret to ring 3: DS (DPL 0) nulled", 0
        xor     eax, eax
        mov     ax, fs
        CHECKP  "  ... FS (DPL 3) kept", DATA3
        mov     ax, cs
        CHECKP  "  ... CS", CODE3
        mov     ax, ss
        CHECKP  "  ... SS", DATA3
        mov     eax, esp
        CHECKP  "  ... ESP", R3_STACK
        pushfd
        pop     eax
        and     eax, EFL_IOPL3 | EFL_IF
        CHECKP  "  ... EFLAGS: IOPL 3 and IF loaded at CPL 0", EFL_IOPL3 | EFL_IF

; -------------------------------------------- 0x40 INT n from ring 3 to ring 0
        POST32  0x40
        int     0x40
.after40:
        mov     eax, [FRAME]
        CHECKP  "int 40h to ring 0: saved EIP", ROM_BASE + .after40
        mov     eax, [FRAME + 4]
        CHECKP  "  ... saved CS", CODE3
        mov     eax, [FRAME + 8]
        and     eax, EFL_IOPL3 | EFL_IF
        CHECKP  "  ... saved EFLAGS", EFL_IOPL3 | EFL_IF
        mov     eax, [FRAME + 12]
        CHECKP  "  ... saved ESP", R3_STACK
        mov     eax, [FRAME + 16]
        CHECKP  "  ... saved SS", DATA3
        mov     eax, [H_ESP]
        CHECKP  "  ... handler on the TSS ring-0 stack", RING0_STACK - 20
        mov     eax, [H_CS]
        CHECKP  "  ... handler CS (CPL 0)", CODE32
        mov     eax, [H_EFLAGS]
        and     eax, EFL_IF
        CHECKP  "  ... interrupt gate cleared IF", 0
        mov     eax, esp
        CHECKP  "  ... IRET restored ESP", R3_STACK

        mov     dword [GP_MODE], 1
        mov     dword [GP_ERR], -1
.int41: int     0x41
        mov     eax, [GP_ERR]
        CHECKP  "int 41h through a DPL 0 gate: #GP(41h*8+2)", 0x41 * 8 + 2
        mov     eax, [GP_EIP]
        CHECKP  "  ... saved EIP is the INT", ROM_BASE + .int41
        mov     eax, [GP_CS]
        CHECKP  "  ... saved CS", CODE3

; ----------------------------------------------- 0x50 call gate with parameters
        POST32  0x50
        push    dword 0x2222
        push    dword 0x1111
        call    dword CGATE3:0
.aftercg:
        mov     eax, esp
        CHECKP  "call gate: RETF 8 released the parameters", R3_STACK
        mov     eax, [CG_ESP]
        CHECKP  "  ... handler on the ring-0 stack", RING0_STACK - 24
        mov     eax, [CG_CS]
        CHECKP  "  ... handler CS (CPL 0)", CODE32
        mov     eax, [CG_FRAME]
        CHECKP  "  ... saved EIP", ROM_BASE + .aftercg
        mov     eax, [CG_FRAME + 4]
        CHECKP  "  ... saved CS", CODE3
        mov     eax, [CG_FRAME + 8]
        CHECKP  "  ... parameter 1 copied", 0x1111
        mov     eax, [CG_FRAME + 12]
        CHECKP  "  ... parameter 2 copied", 0x2222
        mov     eax, [CG_FRAME + 16]
        CHECKP  "  ... saved ESP", R3_STACK - 8
        mov     eax, [CG_FRAME + 20]
        CHECKP  "  ... saved SS", DATA3

; -------------------------------------------------- 0x60 SYSENTER / SYSEXIT
        POST32  0x60
        mov     ecx, esp
        mov     edx, ROM_BASE + .aftersys
        sysenter
.aftersys:
        xor     eax, eax
        mov     ax, cs
        CHECKP  "sysexit: CS", CODE3
        mov     ax, ss
        CHECKP  "  ... SS", DATA3
        mov     eax, esp
        CHECKP  "  ... ESP from ECX", R3_STACK
        mov     eax, [SE_CS]
        CHECKP  "sysenter: CS", CODE32
        mov     eax, [SE_SS]
        CHECKP  "  ... SS", DATA32
        mov     eax, [SE_ESP]
        CHECKP  "  ... ESP", SYSENTER_STACK
        mov     eax, [SE_EFLAGS]
        and     eax, EFL_IF
        CHECKP  "  ... IF cleared", 0

; ------------------------------------------------------- 0x70 back to ring 0
        POST32  0x70
        int     0x42                    ; does not return
        jmp     unexpected

monitor_back:
        xor     eax, eax
        mov     ax, cs
        CHECKP  "int 42h: back in the ring-0 monitor", CODE32

; ------------------------------------------------ 0x80 V86 mode with IOPL 3
        POST32  0x80
        mov     [MON_ESP], esp
        mov     dword [V_NEXT], ROM_BASE + .afterA
        mov     word [V86_DS * 16 + 0x10], 0
        V86_FRAME v86a, EFL_VM | EFL_IOPL3 | 2
        iretd
.afterA:
        mov     eax, [V_ESP]
        CHECKP  "int 30h from V86 to ring 0: handler ESP (9 dwords)", RING0_STACK - 36
        mov     eax, [V_FRAME]
        CHECKP  "  ... saved IP", v86a_end - $$
        mov     eax, [V_FRAME + 4]
        CHECKP  "  ... saved CS", 0xF000
        mov     eax, [V_FRAME + 8]
        and     eax, EFL_VM | EFL_IOPL3
        CHECKP  "  ... saved EFLAGS has VM", EFL_VM | EFL_IOPL3
        mov     eax, [V_FRAME + 12]
        CHECKP  "  ... saved SP", V86_SP
        mov     eax, [V_FRAME + 16]
        CHECKP  "  ... saved SS", V86_SS
        mov     eax, [V_FRAME + 20]
        CHECKP  "  ... saved ES", V86_ES
        mov     eax, [V_FRAME + 24]
        CHECKP  "  ... saved DS", V86_DS
        mov     eax, [V_FRAME + 28]
        CHECKP  "  ... saved FS", V86_FS
        mov     eax, [V_FRAME + 32]
        CHECKP  "  ... saved GS", V86_GS
        mov     eax, [V_DSSEL]
        or      eax, [V_ESSEL]
        or      eax, [V_FSSEL]
        or      eax, [V_GSSEL]
        CHECKP  "  ... DS, ES, FS, GS nulled", 0
        mov     eax, [V_AX]
        and     eax, 0xFFFF
        CHECKP  "V86 code ran: AX", 0x5678
        movzx   eax, word [V86_DS * 16 + 0x10]
        CHECKP  "  ... wrote DS:0010 (real-mode addressing)", 0x5678
        movzx   eax, bx
        and     eax, EFL_IOPL3
        CHECKP  "  ... PUSHF allowed with IOPL 3", EFL_IOPL3

; ------------------------------------------------ 0x90 V86 mode with IOPL 0
        POST32  0x90
        mov     [MON_ESP], esp
        mov     dword [V_NEXT], ROM_BASE + .afterB
        mov     dword [GP_MODE], 2
        mov     dword [GP_ERR], -1
        V86_FRAME v86b, EFL_VM | 2
        iretd
.afterB:
        mov     eax, [GP_ESP]
        CHECKP  "CLI in V86 with IOPL 0: #GP handler ESP (10 dwords)", RING0_STACK - 40
        mov     eax, [GP_ERR]
        CHECKP  "  ... error code", 0
        mov     eax, [GP_EIP]
        CHECKP  "  ... saved IP is the CLI", v86b_cli - $$
        mov     eax, [GP_CS]
        CHECKP  "  ... saved CS", 0xF000
        mov     eax, [GP_EFLAGS]
        and     eax, EFL_VM | EFL_IOPL3
        CHECKP  "  ... saved EFLAGS: VM, IOPL 0", EFL_VM
        mov     eax, [V_AX]
        and     eax, 0xFFFF
        CHECKP  "  ... V86 code ran up to the CLI", 0x1234

        jmp     finish32

; ------------------------------------------------------------- handlers
; set_gate: EDI = descriptor address, EAX = offset, BX = selector,
; CL = access byte, CH = parameter count.
set_gate:
        mov     [edi], ax
        mov     [edi + 2], bx
        mov     [edi + 4], ch
        mov     [edi + 5], cl
        shr     eax, 16
        mov     [edi + 6], ax
        ret

; INT 40h (DPL 3 gate, from ring 3): record the frame, return.
int40_handler:
        mov     [H_ESP], esp
        push    eax
        push    ecx
        push    esi
        push    edi
        xor     eax, eax
        mov     ax, cs
        mov     [H_CS], eax
        pushfd
        pop     dword [H_EFLAGS]
        lea     esi, [esp + 16]
        mov     edi, FRAME
        mov     ecx, 5
        rep movsd
        pop     edi
        pop     esi
        pop     ecx
        pop     eax
        iretd

; #GP: record error code, EIP, CS, EFLAGS. Mode 1: skip the 2-byte INT n
; and return; mode 2: end a V86 session.
gp_handler:
        mov     [ss:GP_ESP], esp
        push    ds
        push    eax
        mov     ax, DATA32
        mov     ds, ax
        mov     eax, [esp + 8]
        mov     [GP_ERR], eax
        mov     eax, [esp + 12]
        mov     [GP_EIP], eax
        mov     eax, [esp + 16]
        mov     [GP_CS], eax
        mov     eax, [esp + 20]
        mov     [GP_EFLAGS], eax
        cmp     dword [GP_MODE], 2
        je      .v86
        add     dword [esp + 12], 2
        pop     eax
        pop     ds
        add     esp, 4                  ; the error code
        iretd
.v86:   mov     eax, [esp]
        mov     [V_AX], eax
        jmp     v86_exit

; Call gate target (ring 0): record the frame, return to ring 3.
cg_handler:
        mov     [CG_ESP], esp
        push    eax
        push    ecx
        push    esi
        push    edi
        xor     eax, eax
        mov     ax, cs
        mov     [CG_CS], eax
        lea     esi, [esp + 16]
        mov     edi, CG_FRAME
        mov     ecx, 6
        rep movsd
        pop     edi
        pop     esi
        pop     ecx
        pop     eax
        retf    8

; SYSENTER entry (ring 0): record CS, SS, ESP, EFLAGS; SYSEXIT with the
; caller's EDX (EIP) and ECX (ESP).
sysenter_entry:
        mov     [SE_ESP], esp
        push    eax
        xor     eax, eax
        mov     ax, cs
        mov     [SE_CS], eax
        mov     ax, ss
        mov     [SE_SS], eax
        pushfd
        pop     dword [SE_EFLAGS]
        pop     eax
        sysexit

; INT 42h from ring 3: back to the monitor for good.
ring3_exit:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     esp, [MON_ESP]
        jmp     monitor_back

; INT 30h from V86 mode (DPL 3 gate): record the segment registers the CPU
; left (null) and the frame, then end the session.
v86_int30:
        mov     [ss:V_ESP], esp
        mov     [ss:V_AX], eax
        mov     [ss:V_DSSEL], ds
        mov     [ss:V_ESSEL], es
        mov     [ss:V_FSSEL], fs
        mov     [ss:V_GSSEL], gs
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     esi, esp
        mov     edi, V_FRAME
        mov     ecx, 9
        rep movsd
; End a V86 session: back to the monitor's stack and continuation.
v86_exit:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     esp, [MON_ESP]
        jmp     [V_NEXT]

; Any other vector: report and end.
        UNEXPECTED_DUMP32

        COMMON32_CODE

; ------------------------------------------------------ V86 code (16-bit)
        bits    16
v86a:
        mov     ax, 0x5678
        mov     [0x10], ax              ; DS = 3100h: linear 31010h
        pushf                           ; allowed: IOPL 3
        pop     bx
        int     0x30                    ; through the DPL 3 gate to ring 0
v86a_end:
        hlt

v86b:
        mov     ax, 0x1234
v86b_cli:
        cli                             ; IOPL 0: #GP(0)
        hlt

; ------------------------------------------------------------ tables
        align   8
gdt:    GDT_FLAT                        ; null, CODE32, DATA32, CODE3, DATA3
        TSS32_DESC TSS_BASE             ; 28 TSS32
        ; 30 CGATE: filled in at run time
        dq      0
gdt_end:

        TABLE_POINTERS GDT_BASE, 256    ; the GDT's RAM copy

        ROM_END

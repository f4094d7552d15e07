; simd.asm: self-checking real-mode tests of MMX, FXSAVE/FXRSTOR and the
; SIMD availability faults (Intel SDM Vol. 1 ch. 9 and §10.5, Table 10-2;
; Vol. 3A §2.5 CR0.EM/TS, CR4.OSFXSR).
;
; - 0x10: MMX arithmetic with saturation, shifts, MOVD, PEXTRW, PMOVMSKB.
; - 0x20: FXSAVE layout: FCW/FSW after FNINIT, the abridged tag word (all
;   valid after an MMX instruction, all empty after EMMS), MMX registers
;   aliasing the x87 registers with the exponent field set to all ones,
;   MXCSR and MXCSR_MASK; FXRSTOR loads FCW and rebuilds the tag word from
;   the register contents (seen through FNSTENV); misaligned FXSAVE: #GP.
; - 0x30: an SSE instruction with CR4.OSFXSR clear: #UD; MMX and FXSAVE
;   with CR0.TS: #NM; MMX with CR0.EM: #UD.
;
; Each check prints "PASS name" or "FAIL name: got X, want Y" on the debug
; console. The ROM ends the common way (common.inc). It does not enable
; SSE (CR4.OSFXSR), so the XMM part of FXSAVE is not checked here.

%include "common.inc"

LASTVEC equ 0x610                       ; vector of the last fault handled
FAULTIP equ 0x612                       ; IP the fault handler found saved
SKIP    equ 0x614                       ; bytes the handler adds to that IP
VAL     equ SCRATCH                     ; operands
BUF     equ SCRATCH + 0x100             ; 16-byte aligned FXSAVE area

%macro  SET_VECTOR 2
        mov     word [ss:(%1) * 4], %2
        mov     word [ss:(%1) * 4 + 2], 0xF000
%endmacro

; Prepare the fault handler: it resumes %1 bytes past the saved IP.
%macro  ARM_FAULT 1
        mov     word [ss:SKIP], %1
        mov     word [ss:LASTVEC], 0xFFFF
        mov     word [ss:FAULTIP], 0xFFFF
%endmacro

%macro  FAULT_WAS 3                     ; name, vector, address of the insn
        push    ax
        mov     ax, [ss:LASTVEC]
        CHECK   %1, %2
        mov     ax, [ss:FAULTIP]
        CHECK   "  ... saved IP is the faulting instruction", %3
        pop     ax
%endmacro

start:
        ROM_INIT
        PRINT   "simd: MMX, FXSAVE/FXRSTOR and SIMD fault tests", 10
        SET_VECTOR 6, vec6
        SET_VECTOR 7, vec7
        SET_VECTOR 13, vec13

; ---------------------------------------------------------------- 0x10 MMX
        POST    0x10
        fninit
        mov     dword [VAL], 0x7FFF0001
        mov     dword [VAL + 4], 0x8000FFFF
        mov     dword [VAL + 8], 0x00010001
        mov     dword [VAL + 12], 0xFFFF0001
        movq    mm0, [VAL]
        paddsw  mm0, [VAL + 8]          ; 8000_0000_7FFF_0002
        pextrw  eax, mm0, 0
        CHECK   "paddsw word 0", 2
        pextrw  eax, mm0, 1
        CHECK   "paddsw word 1 saturates to 7FFFh", 0x7FFF
        pextrw  eax, mm0, 2
        CHECK   "paddsw word 2 wraps to 0", 0
        pextrw  eax, mm0, 3
        CHECK   "paddsw word 3 saturates to 8000h", 0x8000
        movq    mm1, mm0
        psllq   mm1, 16
        movd    eax, mm1
        CHECK32 "psllq mm1, 16 / movd", 0x00020000
        pcmpeqb mm2, mm2
        psrlw   mm2, 8
        pmovmskb eax, mm2
        CHECK   "pcmpeqb / psrlw / pmovmskb", 0x55

; ---------------------------------------------------------------- 0x20 FXSAVE
        POST    0x20
        fxsave  [BUF]
        mov     ax, [BUF]
        CHECK   "fxsave: FCW after FNINIT", 0x037F
        mov     ax, [BUF + 2]
        CHECK   "fxsave: FSW (TOP = 0)", 0
        movzx   ax, byte [BUF + 4]
        CHECK   "fxsave: abridged tag word after MMX: all valid", 0x00FF
        mov     ax, [BUF + 32]          ; ST0 = R0 = MM0
        CHECK   "fxsave: ST0 slot holds MM0 (low word)", 0x0002
        mov     ax, [BUF + 32 + 6]
        CHECK   "fxsave: ST0 slot holds MM0 (high word)", 0x8000
        mov     ax, [BUF + 32 + 8]
        CHECK   "fxsave: MMX write set sign+exponent to FFFFh", 0xFFFF
        mov     ax, [BUF + 48 + 2]      ; ST1 = MM1 = 0000_7FFF_0002_0000
        CHECK   "fxsave: ST1 slot holds MM1", 0x0002
        mov     eax, [BUF + 24]
        CHECK32 "fxsave: MXCSR at reset", 0x1F80
        mov     eax, [BUF + 28]
        CHECK32 "fxsave: MXCSR_MASK", 0xFFFF
        emms
        fxsave  [BUF]
        movzx   ax, byte [BUF + 4]
        CHECK   "emms: abridged tag word all empty", 0
        mov     ax, [BUF + 32 + 8]
        CHECK   "emms: register contents kept", 0xFFFF

        mov     word [BUF], 0x027F      ; new FCW
        mov     byte [BUF + 4], 0x01    ; R0 not empty
        fxrstor [BUF]
        fnstcw  [VAL]
        mov     ax, [VAL]
        CHECK   "fxrstor: FCW", 0x027F
        fnstenv [VAL]                   ; 16-bit real-mode layout: FTW at +4
        mov     ax, [VAL + 4]
        CHECK   "fxrstor: tag word rebuilt (R0 special, rest empty)", 0xFFFE
        fninit

        ARM_FAULT 5
.fxmis: fxsave  [BUF + 8]               ; 0F AE 06 disp16
        FAULT_WAS "fxsave to a misaligned area: #GP", 13, .fxmis

; ---------------------------------------------------------------- 0x30 faults
        POST    0x30
        ARM_FAULT 3
.sse:   movaps  xmm0, xmm1              ; 0F 28 C1
        FAULT_WAS "SSE with CR4.OSFXSR clear: #UD", 6, .sse

        mov     eax, cr0
        or      al, 8                   ; TS
        mov     cr0, eax
        ARM_FAULT 3
.ts:    paddb   mm0, mm1                ; 0F FC C1
        FAULT_WAS "MMX with CR0.TS: #NM", 7, .ts
        ARM_FAULT 5
.fxts:  fxsave  [BUF]
        FAULT_WAS "fxsave with CR0.TS: #NM", 7, .fxts
        clts

        mov     eax, cr0
        or      al, 4                   ; EM
        mov     cr0, eax
        ARM_FAULT 3
.em:    paddb   mm0, mm1
        FAULT_WAS "MMX with CR0.EM: #UD", 6, .em
        mov     eax, cr0
        and     al, ~4
        mov     cr0, eax

        ARM_FAULT 0
        paddb   mm0, mm1
        emms
        mov     ax, [ss:LASTVEC]
        CHECK   "MMX with CR0.EM and TS clear: no fault", 0xFFFF
        jmp     finish

vec6:   push    word 6
        jmp     fault_common
vec7:   push    word 7
        jmp     fault_common
vec13:  push    word 13
fault_common:                           ; [bp+2] vector, [bp+4] IP, [bp+6] CS
        push    bp
        mov     bp, sp
        push    ax
        mov     ax, [bp + 2]
        mov     [ss:LASTVEC], ax
        mov     ax, [bp + 4]
        mov     [ss:FAULTIP], ax
        add     ax, [ss:SKIP]
        mov     [bp + 4], ax
        pop     ax
        pop     bp
        add     sp, 2
        iret

        ROM_END

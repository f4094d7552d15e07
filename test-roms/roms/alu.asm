; alu.asm: self-checking real-mode tests of the integer instruction set:
; arithmetic and flags, shifts and rotates, multiply and divide (with #DE),
; BCD, string instructions, the stack, calls and jumps, software interrupts
; and exceptions, and the 386/486/Pentium additions (bit scans, SETcc,
; BSWAP, XADD, CMPXCHG, CMPXCHG8B; CMOVcc only when CPUID reports it).
;
; Each check prints "PASS name" or "FAIL name: got X, want Y" on the debug
; console; POST codes 0x10..0x80 mark the groups. The ROM ends the common
; way (common.inc): POST 0xFF and exit status 33 when every check passed,
; POST 0xEE and 35 otherwise. Expected values follow the Intel SDM; flags
; the SDM leaves undefined are masked out. Written for a Pentium-class CPU
; (the ox86 default).

%include "common.inc"

        cpu     586

LASTVEC equ 0x610                       ; vector of the last fault handled
FAULTIP equ 0x612                       ; IP the fault handler found saved
SKIP    equ 0x614                       ; bytes the handler adds to that IP
ISRFLG  equ 0x616                       ; FLAGS seen inside INT 40h

%macro  SET_VECTOR 2
        mov     word [ss:(%1) * 4], %2
        mov     word [ss:(%1) * 4 + 2], 0xF000
%endmacro

; Prepare the fault handler: it will resume %1 bytes past the saved IP
; (the faulting instruction's length for faults, 0 for traps).
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
        PRINT   "alu: real-mode integer instruction tests", 10
        SET_VECTOR 0, vec0
        SET_VECTOR 3, vec3
        SET_VECTOR 4, vec4
        SET_VECTOR 5, vec5
        SET_VECTOR 6, vec6
        SET_VECTOR 0x40, int40

; ---------------------------------------------------------------- 0x10 ALU
        POST    0x10
        mov     ax, 0x1234
        add     ax, 0x4321
        FLAGS_IS "add flags", F_ARITH, F_PF
        CHECK   "add ax, imm", 0x5555

        mov     ax, 0x007F
        add     al, 1
        FLAGS_IS "add al: signed overflow sets OF SF AF", F_ARITH, F_OF | F_SF | F_AF
        CHECK   "add al, 1", 0x0080

        mov     ax, 0xFFFF
        add     ax, 1
        FLAGS_IS "add: carry out sets CF ZF AF PF", F_ARITH, F_CF | F_ZF | F_AF | F_PF
        CHECK   "add wraps to 0", 0

        stc
        mov     ax, 0x00FF
        adc     ax, 1
        FLAGS_IS "adc flags", F_ARITH, F_AF
        CHECK   "adc adds the carry", 0x0101

        xor     ax, ax
        sub     ax, 1
        FLAGS_IS "sub: borrow sets CF SF AF PF", F_ARITH, F_CF | F_SF | F_AF | F_PF
        CHECK   "sub 0 - 1", 0xFFFF

        mov     ax, 0x8000
        sub     ax, 1
        FLAGS_IS "sub: signed overflow", F_ARITH, F_OF | F_AF | F_PF
        CHECK   "sub 8000 - 1", 0x7FFF

        stc
        mov     ax, 5
        sbb     ax, 3
        FLAGS_IS "sbb flags", F_ARITH, 0
        CHECK   "sbb subtracts the borrow", 1

        mov     ax, 3
        cmp     ax, 5
        FLAGS_IS "cmp 3, 5 flags", F_ARITH, F_CF | F_SF | F_AF
        CHECK   "cmp leaves its operand", 3

        stc
        mov     ax, 0xFFFF
        inc     ax
        FLAGS_IS "inc keeps CF", F_ARITH, F_CF | F_ZF | F_AF | F_PF
        CHECK   "inc wraps", 0

        clc
        mov     ax, 0x8000
        dec     ax
        FLAGS_IS "dec: signed overflow, CF kept clear", F_ARITH, F_OF | F_AF | F_PF
        CHECK   "dec", 0x7FFF

        mov     ax, 5
        neg     ax
        FLAGS_IS "neg 5 flags", F_ARITH, F_CF | F_SF | F_AF
        CHECK   "neg 5", 0xFFFB

        xor     ax, ax
        neg     ax
        FLAGS_IS "neg 0 clears CF", F_ARITH, F_ZF | F_PF
        CHECK   "neg 0", 0

        mov     ax, 0xF0F0
        and     ax, 0x0FF0
        FLAGS_IS "and flags (AF undefined)", F_ARITH & ~F_AF, F_PF
        CHECK   "and", 0x00F0

        stc
        mov     ax, 0x8000
        or      ax, 1
        FLAGS_IS "or clears CF, sets SF", F_ARITH & ~F_AF, F_SF
        CHECK   "or", 0x8001

        mov     ax, 0x1234
        xor     ax, ax
        FLAGS_IS "xor self: ZF PF", F_ARITH & ~F_AF, F_ZF | F_PF
        CHECK   "xor self", 0

        mov     ax, 0x1234
        stc
        not     ax
        FLAGS_IS "not leaves flags", F_CF, F_CF
        CHECK   "not", 0xEDCB

        mov     ax, 0x0100
        test    ax, 0x0100
        FLAGS_IS "test flags", F_ARITH & ~F_AF, F_PF
        CHECK   "test leaves its operand", 0x0100

        mov     eax, 0x7FFFFFFF
        add     eax, 1
        FLAGS_IS "add eax: 32-bit overflow", F_OF | F_SF | F_CF, F_OF | F_SF
        CHECK32 "add eax", 0x80000000

        mov     ebx, 0xFFFFFFFF
        mov     eax, 1
        sub     eax, ebx
        FLAGS_IS "sub eax: borrow", F_CF | F_ZF, F_CF
        CHECK32 "sub eax", 2

; ----------------------------------------------------------- 0x20 shifts
        POST    0x20
        mov     ax, 0x8001
        shl     ax, 1
        FLAGS_IS "shl 1 flags", F_CF | F_OF | F_ZF | F_SF | F_PF, F_CF | F_OF
        CHECK   "shl 1", 0x0002

        mov     ax, 0x8001
        shr     ax, 1
        FLAGS_IS "shr 1 flags", F_CF | F_OF | F_ZF | F_SF | F_PF, F_CF | F_OF | F_PF
        CHECK   "shr 1", 0x4000

        mov     ax, 0x8001
        sar     ax, 1
        FLAGS_IS "sar 1 flags", F_CF | F_OF | F_ZF | F_SF | F_PF, F_CF | F_SF | F_PF
        CHECK   "sar 1", 0xC000

        mov     ax, 1
        mov     cl, 15
        shl     ax, cl
        FLAGS_IS "shl cl flags", F_CF | F_ZF | F_SF | F_PF, F_SF | F_PF
        CHECK   "shl cl=15", 0x8000

        mov     ax, 0x1234
        mov     cl, 4
        shr     ax, cl
        FLAGS_IS "shr cl: CF is the last bit out", F_CF, 0
        CHECK   "shr cl=4", 0x0123

        mov     ax, 0x1234
        mov     cl, 32
        stc
        shl     ax, cl
        FLAGS_IS "shl by 32 (masked to 0) keeps flags", F_CF, F_CF
        CHECK   "shl by 32 is masked to 0", 0x1234

        mov     ax, 0x0081
        sar     al, 1
        CHECK   "sar al", 0x00C0

        mov     ax, 0x8001
        rol     ax, 1
        FLAGS_IS "rol 1 flags", F_CF | F_OF, F_CF | F_OF
        CHECK   "rol 1", 0x0003

        mov     ax, 1
        ror     ax, 1
        FLAGS_IS "ror 1 flags", F_CF | F_OF, F_CF | F_OF
        CHECK   "ror 1", 0x8000

        stc
        mov     ax, 0x8000
        rcl     ax, 1
        FLAGS_IS "rcl 1: CF gets the old top bit", F_CF, F_CF
        CHECK   "rcl 1 rotates CF in", 0x0001

        clc
        mov     ax, 1
        rcr     ax, 1
        FLAGS_IS "rcr 1: CF gets the old low bit", F_CF, F_CF
        CHECK   "rcr 1", 0

        clc
        mov     ax, 0x1234
        mov     cl, 17
        rcl     ax, cl
        FLAGS_IS "rcl 17 (a full 17-bit turn) keeps CF", F_CF, 0
        CHECK   "rcl 17 is the identity on 16 bits", 0x1234

        mov     ax, 0x1234
        mov     cl, 4
        rol     ax, cl
        CHECK   "rol cl=4", 0x2341

        mov     ax, 0x1234
        mov     bx, 0xABCD
        shld    ax, bx, 4
        CHECK   "shld", 0x234A
        mov     ax, 0x1234
        shrd    ax, bx, 4
        CHECK   "shrd", 0xD123

        mov     eax, 0x80000001
        mov     cl, 31
        sar     eax, cl
        CHECK32 "sar eax, 31", 0xFFFFFFFF

; ------------------------------------------------------- 0x30 mul/div/BCD
        POST    0x30
        mov     ax, 300
        mov     bx, 300
        mul     bx
        FLAGS_IS "mul: high half set gives CF OF", F_CF | F_OF, F_CF | F_OF
        CHECK   "mul low", 0x5F90
        mov     ax, dx
        CHECK   "mul high", 0x0001

        mov     al, 16
        mov     bl, 16
        mul     bl
        CHECK   "mul byte", 0x0100

        mov     ax, -3
        mov     bx, 7
        imul    bx
        FLAGS_IS "imul fits: CF OF clear", F_CF | F_OF, 0
        CHECK   "imul low", 0xFFEB
        mov     ax, dx
        CHECK   "imul high (sign)", 0xFFFF

        mov     al, 0x80
        mov     bl, 2
        imul    bl
        FLAGS_IS "imul byte overflow: CF OF", F_CF | F_OF, F_CF | F_OF
        CHECK   "imul byte -128 * 2", 0xFF00

        mov     bx, 1000
        imul    ax, bx, -3
        CHECK   "imul r, r/m, imm", 0xF448

        mov     ax, 0x0100
        mov     bx, 0x0100
        imul    ax, bx
        FLAGS_IS "imul r, r/m truncates: CF OF", F_CF | F_OF, F_CF | F_OF
        CHECK   "imul r, r/m", 0

        mov     dx, 1
        mov     ax, 0x86A0                  ; DX:AX = 100000
        mov     bx, 1000
        div     bx
        CHECK   "div quotient", 100
        mov     ax, dx
        CHECK   "div remainder", 0

        mov     ax, 1000
        mov     bl, 7
        div     bl
        CHECK   "div byte (AH rem, AL quot)", 0x068E

        mov     ax, -1000
        cwd
        mov     bx, 7
        idiv    bx
        CHECK   "idiv truncates toward zero", 0xFF72
        mov     ax, dx
        CHECK   "idiv remainder has the dividend's sign", 0xFFFA

        mov     ax, -100
        mov     bl, 7
        idiv    bl
        CHECK   "idiv byte", 0xFEF2

        mov     eax, 0x12345678
        mov     ebx, 0x100
        mul     ebx
        CHECK32 "mul eax low", 0x34567800
        mov     eax, edx
        CHECK32 "mul eax high", 0x12

        mov     edx, 0
        mov     eax, 1000000
        mov     ecx, 3
        div     ecx
        CHECK32 "div ecx", 333333

        ARM_FAULT 2
        mov     ax, 1
        xor     bl, bl
de_site1:
        div     bl
        FAULT_WAS "div by zero raises #DE", 0, de_site1

        ARM_FAULT 2
        mov     ax, 0x1000
        mov     bl, 2
de_site2:
        div     bl
        FAULT_WAS "div quotient overflow raises #DE", 0, de_site2

        ARM_FAULT 2
        mov     ax, 0x8000
        cwd
        mov     bx, -1
de_site3:
        idiv    bx
        FAULT_WAS "idiv -32768 / -1 raises #DE", 0, de_site3

        mov     ax, 99
        aam
        CHECK   "aam", 0x0909
        aad
        CHECK   "aad", 0x0063

        mov     ax, 0x0038
        add     al, 0x45
        daa
        FLAGS_IS "daa flags", F_CF, 0
        CHECK   "daa 38 + 45 = 83", 0x0083

        mov     ax, 0x0083
        sub     al, 0x38
        das
        CHECK   "das 83 - 38 = 45", 0x0045

        mov     ax, 0x0009
        add     al, 5
        aaa
        FLAGS_IS "aaa sets CF AF", F_CF | F_AF, F_CF | F_AF
        CHECK   "aaa 9 + 5", 0x0104

        mov     ax, 0x0080
        cbw
        CHECK   "cbw", 0xFF80
        mov     ax, 0x8000
        cwd
        mov     ax, dx
        CHECK   "cwd", 0xFFFF

; ------------------------------------------------------------ 0x40 strings
        POST    0x40
        mov     ax, cs
        mov     ds, ax
        mov     si, srcdata
        mov     di, SCRATCH
        mov     cx, 16
        rep movsb
        xor     ax, ax
        mov     ds, ax
        mov     ax, cx
        CHECK   "rep movsb counts CX down to 0", 0
        mov     ax, di
        CHECK   "rep movsb advances DI", SCRATCH + 16
        mov     ax, si
        CHECK   "rep movsb advances SI", srcdata + 16
        mov     ax, [SCRATCH + 14]
        CHECK   "rep movsb copies", 'ef'

        mov     di, SCRATCH + 0x100
        mov     ax, 0xA55A
        mov     cx, 8
        rep stosw
        mov     ax, [SCRATCH + 0x10E]
        CHECK   "rep stosw fills", 0xA55A
        mov     ax, di
        CHECK   "rep stosw advances DI by 16", SCRATCH + 0x110

        mov     byte [SCRATCH + 5], 'X'
        mov     ax, cs
        mov     ds, ax
        mov     si, srcdata
        mov     di, SCRATCH
        mov     cx, 16
        repe cmpsb
        FLAGS_IS "repe cmpsb stops on a mismatch (ZF=0)", F_ZF, 0
        xor     ax, ax
        mov     ds, ax
        mov     ax, cx
        CHECK   "repe cmpsb count left", 10
        mov     ax, si
        CHECK   "repe cmpsb SI past the mismatch", srcdata + 6

        mov     di, SCRATCH
        mov     al, '9'
        mov     cx, 16
        repne scasb
        FLAGS_IS "repne scasb stops on a match (ZF=1)", F_ZF, F_ZF
        mov     ax, di
        CHECK   "repne scasb DI past the match", SCRATCH + 10
        mov     ax, cx
        CHECK   "repne scasb count left", 6

        std
        mov     si, SCRATCH + 3
        lodsb
        cld
        mov     ah, 0
        CHECK   "lodsb", '3'
        mov     ax, si
        CHECK   "lodsb with DF=1 goes down", SCRATCH + 2

        mov     di, SCRATCH + 0x200
        xor     cx, cx
        rep stosb
        mov     ax, di
        CHECK   "rep with CX=0 does nothing", SCRATCH + 0x200

        mov     si, SCRATCH
        mov     di, SCRATCH + 0x300
        mov     cx, 4
        rep movsd
        mov     eax, [SCRATCH + 0x30C]
        CHECK32 "rep movsd", 'cdef'

        ; Overlapping copy downwards with DF=1 (memmove from the end).
        std
        mov     si, SCRATCH + 0x30F
        mov     di, SCRATCH + 0x311
        mov     cx, 16
        rep movsb
        cld
        mov     ax, [SCRATCH + 0x302]
        CHECK   "rep movsb backwards, overlapping", '01'

; ------------------------------------------------------ 0x50 stack, calls
        POST    0x50
        mov     ax, 0x1111
        push    ax
        mov     ax, 0x2222
        push    ax
        pop     bx
        pop     cx
        mov     ax, bx
        CHECK   "push/pop order", 0x2222
        mov     ax, cx
        CHECK   "push/pop order 2", 0x1111

        push    word 0x1234
        pop     ax
        CHECK   "push imm16", 0x1234
        push    byte -2
        pop     ax
        CHECK   "push imm8 sign-extends", 0xFFFE

        mov     bx, sp
        push    sp
        pop     ax
        CHECK   "push sp pushes the old SP (286+)", bx

        mov     ax, 1
        mov     cx, 2
        mov     dx, 3
        mov     bx, 4
        mov     bp, 6
        mov     si, 7
        mov     di, 8
        mov     [ss:SCRATCH + 0x400], sp
        pusha
        mov     bp, sp
        mov     ax, [bp + 6]
        cmp     ax, [ss:SCRATCH + 0x400]
        mov     ax, 0
        jne     .pusha_sp_bad
        mov     ax, 1
.pusha_sp_bad:
        CHECK   "pusha stores the original SP", 1
        xor     ax, ax
        mov     cx, ax
        mov     dx, ax
        mov     bx, ax
        mov     bp, ax
        mov     si, ax
        mov     di, ax
        popa
        add     ax, cx
        add     ax, dx
        add     ax, bx
        add     ax, bp
        add     ax, si
        add     ax, di
        CHECK   "popa restores the registers", 1 + 2 + 3 + 4 + 6 + 7 + 8
        mov     ax, sp
        CHECK   "pusha/popa balance the stack", [ss:SCRATCH + 0x400]

        pushf
        pop     ax
        or      ax, F_CF
        push    ax
        popf
        sbb     ax, ax
        CHECK   "popf sets CF", 0xFFFF

        mov     bp, 0x1111
        mov     bx, sp
        enter   4, 0
        mov     ax, sp
        add     ax, 4
        CHECK   "enter: SP = BP - 4", bp
        mov     ax, bx
        sub     ax, 2
        CHECK   "enter: BP = old SP - 2", bp
        leave
        mov     ax, bp
        CHECK   "leave restores BP", 0x1111
        mov     ax, sp
        CHECK   "leave restores SP", bx

        xor     ax, ax
        call    sub_55aa
        CHECK   "call/ret", 0x55AA

        mov     bx, sp
        push    word 1
        push    word 2
        call    sub_ret4
        mov     ax, sp
        CHECK   "ret imm16 pops the arguments", bx

        xor     ax, ax
        mov     bx, sub_55aa
        call    bx
        CHECK   "call register", 0x55AA

        xor     ax, ax
        mov     word [SCRATCH + 0x400], sub_55aa
        call    [SCRATCH + 0x400]
        CHECK   "call memory", 0x55AA

        xor     ax, ax
        call    0xF000:far_sub
        CHECK   "far call/retf", 0x7777
        mov     ax, cs
        CHECK   "retf restores CS", 0xF000

        xor     ax, ax
        mov     word [SCRATCH + 0x400], far_sub
        mov     word [SCRATCH + 0x402], 0xF000
        call    far [SCRATCH + 0x400]
        CHECK   "far call memory", 0x7777

        mov     bx, 4
        jmp     [cs:jump_table + bx]
        mov     ax, 0xDEAD
        jmp     jt_done
jt_target:
        mov     ax, 2
jt_done:
        CHECK   "jmp through a table", 2

        xor     ax, ax
        mov     cx, 10
.loop1: add     ax, 3
        loop    .loop1
        CHECK   "loop", 30

        xor     ax, ax
        mov     cx, 5
.loop2: inc     ax
        cmp     ax, 3
        loopne  .loop2
        CHECK   "loopne stops on ZF=1", 3
        mov     ax, cx
        CHECK   "loopne count left", 2

        xor     cx, cx
        mov     ax, 0
        jcxz    .cxz
        mov     ax, 0xDEAD
.cxz:   CHECK   "jcxz", 0

        mov     ax, -1
        cmp     ax, 1
        mov     ax, 0
        jl      .jl_ok
        mov     ax, 0xDEAD
.jl_ok: jb      .jb_bad
        jg      .jb_bad
        ja      .ja_ok
.jb_bad:
        mov     ax, 0xBAD
.ja_ok: CHECK   "signed and unsigned conditions", 0

; ------------------------------------------------ 0x60 interrupts, faults
        POST    0x60
        stc
        sti
        mov     ax, 0
        int     0x40
        FLAGS_IS "iret restores CF", F_CF, F_CF
        pushf
        cli
        CHECK   "int 40h handler ran", 0xBEEF
        pop     ax
        and     ax, 0x0200
        CHECK   "iret restores IF", 0x0200
        mov     ax, [ss:ISRFLG]
        and     ax, 0x0200
        CHECK   "int clears IF in the handler", 0

        ARM_FAULT 0
        int3
int3_next:
        FAULT_WAS "int3 calls vector 3", 3, int3_next

        ARM_FAULT 0
        mov     al, 0x7F
        add     al, 1
        into
into_next:
        FAULT_WAS "into with OF=1 calls vector 4", 4, into_next

        ARM_FAULT 0
        mov     al, 1
        add     al, 1
        into
        mov     ax, [ss:LASTVEC]
        CHECK   "into with OF=0 does nothing", 0xFFFF

        mov     word [SCRATCH + 0x500], 10
        mov     word [SCRATCH + 0x502], 20
        ARM_FAULT 4
        mov     ax, 21
bound_site:
        bound   ax, [SCRATCH + 0x500]
        FAULT_WAS "bound out of range raises #BR", 5, bound_site
        ARM_FAULT 4
        mov     ax, 20
        bound   ax, [SCRATCH + 0x500]
        mov     ax, [ss:LASTVEC]
        CHECK   "bound in range does nothing", 0xFFFF

        ARM_FAULT 2
ud_site:
        ud2
        FAULT_WAS "ud2 raises #UD", 6, ud_site

        ARM_FAULT 3
lock_site:
        db      0xF0, 0x01, 0xD8            ; lock add ax, bx (register destination)
        FAULT_WAS "lock with a register destination raises #UD", 6, lock_site

; --------------------------------------------------- 0x70 data movement
        POST    0x70
        mov     ax, 1
        mov     bx, 2
        xchg    ax, bx
        CHECK   "xchg", 2

        mov     bx, xlat_table
        mov     al, 3
        cs xlatb
        mov     ah, 0
        CHECK   "xlat", 0x33

        mov     bx, 0x100
        mov     si, 0x20
        lea     ax, [bx + si + 5]
        CHECK   "lea", 0x125

        mov     bl, 0x80
        movsx   ax, bl
        CHECK   "movsx", 0xFF80
        movzx   ax, bl
        CHECK   "movzx", 0x0080

        mov     word [SCRATCH + 0x600], 0x5678
        mov     word [SCRATCH + 0x602], 0x1234
        les     di, [SCRATCH + 0x600]
        mov     ax, es
        CHECK   "les segment", 0x1234
        mov     ax, di
        CHECK   "les offset", 0x5678
        xor     ax, ax
        mov     es, ax

        mov     ah, 0xD5
        sahf
        mov     ah, 0
        lahf
        and     ax, 0xFF00
        CHECK   "sahf/lahf", 0xD700

        mov     eax, 0x12345678
        bswap   eax
        CHECK32 "bswap", 0x78563412

        mov     ax, 5
        mov     bx, 3
        xadd    ax, bx
        CHECK   "xadd sum", 8
        mov     ax, bx
        CHECK   "xadd old value", 5

        mov     ax, 5
        mov     bx, 5
        mov     cx, 9
        cmpxchg bx, cx
        FLAGS_IS "cmpxchg equal sets ZF", F_ZF, F_ZF
        mov     ax, bx
        CHECK   "cmpxchg equal stores", 9
        mov     ax, 1
        cmpxchg bx, cx
        FLAGS_IS "cmpxchg unequal clears ZF", F_ZF, 0
        CHECK   "cmpxchg unequal loads the accumulator", 9

        mov     dword [SCRATCH + 0x700], 0x11111111
        mov     dword [SCRATCH + 0x704], 0x22222222
        mov     eax, 0x11111111
        mov     edx, 0x22222222
        mov     ebx, 0x33333333
        mov     ecx, 0x44444444
        cmpxchg8b [SCRATCH + 0x700]
        FLAGS_IS "cmpxchg8b equal sets ZF", F_ZF, F_ZF
        mov     eax, [SCRATCH + 0x704]
        CHECK32 "cmpxchg8b stores ECX:EBX", 0x44444444

        mov     ax, 0x0010
        bt      ax, 4
        FLAGS_IS "bt sets CF", F_CF, F_CF
        bts     ax, 0
        FLAGS_IS "bts returns the old bit", F_CF, 0
        CHECK   "bts", 0x0011
        btr     ax, 4
        FLAGS_IS "btr returns the old bit", F_CF, F_CF
        CHECK   "btr", 0x0001
        btc     ax, 15
        CHECK   "btc", 0x8001

        mov     bx, 0x0180
        bsf     ax, bx
        CHECK   "bsf", 7
        bsr     ax, bx
        CHECK   "bsr", 8
        xor     bx, bx
        bsf     ax, bx
        FLAGS_IS "bsf of 0 sets ZF", F_ZF, F_ZF

        mov     ax, -1
        cmp     ax, 1
        setl    cl
        setb    ch
        mov     ax, cx
        CHECK   "setl / setb", 0x0001

        ; CMOVcc only where CPUID leaf 1 reports it (EDX bit 15).
        mov     eax, 1
        cpuid
        test    edx, 1 << 15
        jz      .no_cmov
        mov     ax, 1
        mov     bx, 2
        cmp     ax, bx
        cpu     686
        cmovl   ax, bx
        cmovg   ax, cx
        cpu     586
        CHECK   "cmovcc", 2
.no_cmov:

; ---------------------------------------------------------- 0x80 done
        POST    0x80
        jmp     finish

; ------------------------------------------------------------- helpers
sub_55aa:
        mov     ax, 0x55AA
        ret

sub_ret4:
        ret     4

far_sub:
        mov     ax, 0x7777
        retf

int40:
        push    ax
        pushf
        pop     ax
        mov     [ss:ISRFLG], ax
        pop     ax
        mov     ax, 0xBEEF
        iret

; Fault handlers: record the vector and the saved IP, then resume SKIP
; bytes further on (past the faulting instruction for faults; 0 for traps).
vec0:   push    word 0
        jmp     fault_common
vec3:   push    word 3
        jmp     fault_common
vec4:   push    word 4
        jmp     fault_common
vec5:   push    word 5
        jmp     fault_common
vec6:   push    word 6
        jmp     fault_common
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

jump_table:
        dw      .bad, .bad, jt_target, .bad
.bad:   mov     ax, 0xBAD
        jmp     finish

srcdata:    db  "0123456789abcdef"
xlat_table: db  0x30, 0x31, 0x32, 0x33, 0x34

        ROM_END

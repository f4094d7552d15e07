; smc.asm: self-modifying code. The ROM copies itself to RAM at 2000:0000
; (linear 0x20000) and continues there, then rewrites its own code in the
; ways programs do: an immediate or an opcode just ahead in the same basic
; block, an immediate inside a loop, a subroutine that already ran, a
; routine replaced with REP MOVSB, a write through a different segment
; alias, and a patched jump displacement. Each check verifies that the new
; code is what runs.
;
; Pentium-class behaviour (SDM Vol. 3A §11.6): a store to the code that
; follows is seen by the very next instruction. Real 8086-486 parts could
; run stale bytes from their prefetch queues; ox86 always behaves like
; the Pentium.
;
; Reports like every ox86 test ROM (common.inc): POST 0x10 (copied to RAM),
; 0x20..0x30 (groups), 0xFF and exit status 33 when all passed.

%include "common.inc"

RAM_SEG equ 0x2000                      ; where the ROM's copy runs

start:
        ROM_INIT
        PRINT   "smc: self-modifying code in RAM", 10
        ; Copy the whole 64 KiB image, so every label keeps its offset.
        push    ds
        push    es
        mov     ax, cs
        mov     ds, ax
        mov     ax, RAM_SEG
        mov     es, ax
        xor     si, si
        xor     di, di
        mov     cx, 0x8000
        rep movsw
        pop     es
        pop     ds
        POST    0x10
        jmp     RAM_SEG:in_ram

in_ram:
        mov     ax, cs
        CHECK   "running from the RAM copy", RAM_SEG

; ------------------------------------------------ 0x20 patches just ahead
        POST    0x20
        mov     byte [cs:p1 + 1], 0x42
p1:     mov     al, 0x00                ; B0 ib: becomes mov al, 0x42
        mov     ah, 0
        CHECK   "patched immediate of the next instruction", 0x0042

        mov     ax, 5
        mov     byte [cs:p2], 0x48      ; inc ax (40) -> dec ax (48)
p2:     inc     ax
        CHECK   "patched opcode of the next instruction", 4

        mov     ax, 7
        mov     word [cs:p3], 0x9090    ; two NOPs over "jmp short p3_skip"
        nop
        nop
p3:     jmp     short p3_skip
        mov     ax, 8
p3_skip:
        CHECK   "patched jump two instructions ahead", 8

        mov     ax, 1
        mov     byte [cs:p4 + 1], p4_b - (p4 + 2)
p4:     jmp     short p4_a              ; displacement rewritten to reach p4_b
p4_a:   mov     ax, 0xAAAA
        jmp     short p4_done
p4_b:   mov     ax, 0xBBBB
p4_done:
        CHECK   "patched jump displacement", 0xBBBB

; --------------------------------------------------- 0x30 loops, old code
        POST    0x30
        xor     bx, bx
        mov     cx, 5
p5_loop:
        mov     [cs:p5 + 2], cl
p5:     add     bx, byte 0              ; 83 C3 ib: immediate patched each turn
        loop    p5_loop
        mov     ax, bx
        CHECK   "loop patching its own immediate", 5 + 4 + 3 + 2 + 1

        xor     ax, ax
        mov     cx, 999
p6_loop:
        xor     byte [cs:p6], 0x08      ; inc ax (40) <-> dec ax (48)
p6:     inc     ax
        loop    p6_loop
        CHECK   "loop toggling inc/dec 999 times", 0xFFFF

        call    p7_sub
        CHECK   "subroutine before the rewrite", 1
        mov     word [cs:p7_sub + 1], 2
        call    p7_sub
        CHECK   "subroutine rewritten after it ran", 2

        call    p8_sub
        CHECK   "routine before REP MOVSB", 0x1111
        push    ds
        push    es
        mov     ax, cs
        mov     ds, ax
        mov     es, ax
        mov     si, p8_new
        mov     di, p8_sub
        mov     cx, p8_new_end - p8_new
        rep movsb
        pop     es
        pop     ds
        call    p8_sub
        CHECK   "routine replaced with REP MOVSB", 0x2222

        call    p9_sub
        CHECK   "subroutine before an aliased write", 3
        push    es
        mov     ax, RAM_SEG + 1         ; base 0x20010: same bytes, other offset
        mov     es, ax
        mov     word [es:p9_sub + 1 - 0x10], 4
        pop     es
        call    p9_sub
        CHECK   "write through another segment alias", 4

        jmp     finish

p7_sub: mov     ax, 1
        ret
p8_sub: mov     ax, 0x1111
        ret
p9_sub: mov     ax, 3
        ret
p8_new: mov     ax, 0x2222
        ret
p8_new_end:

        ROM_END

; hello.asm: the smallest ox86 test ROM. Prints one line on the debug
; console, reports POST codes 0x01 and 0xFF, and exits through the
; isa-debug-exit port with EXIT_PASS (host exit status 33). Without an exit
; port it halts with interrupts disabled.
;
; It uses only MOV, OUT, LODS with a segment override, TEST, Jcc, JMP, CLI
; and HLT, and no stack, so it runs as soon as the CPU can fetch code.
;
;   ox86 run --headless --bios hello.bin --debugcon stdio --exit-port 0xf4

%include "common.inc"

start:
        cli
        cld
        mov     al, 0x01
        mov     dx, POST_PORT
        out     dx, al
        mov     si, message
.next:  cs lodsb
        test    al, al
        jz      .done
        out     DEBUGCON, al
        jmp     .next
.done:  mov     al, 0xFF
        mov     dx, POST_PORT
        out     dx, al
        mov     al, EXIT_PASS
        out     EXIT_PORT, al
.halt:  cli
        hlt
        jmp     .halt

message: db     "Hello from an ox86 test ROM!", 10, 0

        ROM_END

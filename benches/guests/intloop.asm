; intloop.asm: a whole-guest benchmark ROM for ox86 and QEMU (TCG).
;
; A BIOS replacement (64 KiB at F0000, reset vector at FFFF0) that enters
; flat 32-bit protected mode and runs the same integer loop as the criterion
; benchmark (add, inc, xor, dec, jnz: 5 instructions per iteration) for
; ITERATIONS iterations, then writes 0x10 to the isa-debug-exit port 0xF4
; (host exit status 33). Time it with benches/guests/compare-qemu.sh.
;
;   nasm -f bin -o intloop.bin intloop.asm

%ifndef ITERATIONS
%define ITERATIONS 200000000
%endif

        bits    16
        org     0
start:
        cli
        o32 lgdt [cs:gdtr]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword 0x08:(0xF0000 + pm)

        bits    32
pm:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, 0x8000
        mov     ecx, ITERATIONS
        xor     eax, eax
        xor     ebx, ebx
.loop:  add     eax, ebx
        inc     ebx
        xor     edx, eax
        dec     ecx
        jnz     .loop
        mov     al, 0x10
        out     0xF4, al
.halt:  cli
        hlt
        jmp     .halt

        align   8
gdt:    dq      0
        dq      0x00CF9A000000FFFF      ; 0x08: flat 32-bit code
        dq      0x00CF92000000FFFF      ; 0x10: flat 32-bit data
gdtr:   dw      gdt.end - gdt - 1
        dd      0xF0000 + gdt
gdt.end equ gdtr

        times   0xFFF0 - ($ - $$) db 0xFF
        bits    16
reset:  jmp     0xF000:start
        times   0x10000 - ($ - $$) db 0xFF

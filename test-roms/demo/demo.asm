; ox86 built-in demo ROM: `cargo run --release` boots this image.
;
; A BIOS-replacement image (64 KiB at F0000, reset vector at FFFF0). It
; prints a banner, identifies the CPU generation the classic way (FLAGS
; bits 12-15, then the EFLAGS AC and ID bits, then CPUID), draws the
; Mandelbrot set in ASCII with 8.8 fixed-point integer arithmetic, and halts
; with interrupts disabled. Output goes to the debug console (port 0xE9),
; progress to POST port 0x190 (0x01 start, 0x10 CPU check, 0x20 drawing,
; 0xFF done).
;
; Everything outside the marked 386+ block is 8086 code, so the demo runs
; on every `--cpu` model.
;
; Build: nasm -f bin -o demo.bin demo.asm   (test-roms/roms/build.sh does it)

        cpu     8086
        bits    16
        org     0                       ; CS = F000, offsets = file offsets

DEBUGCON        equ 0xE9
POST_PORT       equ 0x190
WIDTH           equ 76                  ; characters per row
HEIGHT          equ 24                  ; rows
MAXITER         equ 40
X_START         equ -576                ; -2.25 in 8.8 fixed point
X_STEP          equ 10                  ; ~0.039
Y_START         equ -310                ; ~-1.21
Y_STEP          equ 27                  ; ~0.105

; Variables in RAM (DS = 0).
c_re            equ 0x500
c_im            equ 0x502
vendor          equ 0x510               ; 12 bytes + NUL

%macro  POST 1
        mov     al, %1
        mov     dx, POST_PORT
        out     dx, al
%endmacro

start:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7C00
        mov     ds, ax
        mov     es, ax
        POST    0x01
        mov     si, banner
        call    puts

        POST    0x10
        call    identify_cpu

        POST    0x20
        call    mandelbrot

        mov     si, goodbye
        call    puts
        POST    0xFF
        cli
.halt:  hlt
        jmp     .halt

; ---------------------------------------------------------------------------
; Print the CPU generation. 8086: FLAGS bits 12-15 always read as 1.
; 80286 (real mode): they always read as 0. 386+: they can be changed.
identify_cpu:
        mov     si, cpu_msg
        call    puts
        pushf
        pop     ax
        and     ax, 0x0FFF
        push    ax
        popf
        pushf
        pop     ax
        and     ax, 0xF000
        cmp     ax, 0xF000
        jne     .not8086
        mov     si, cpu_8086
        jmp     .print
.not8086:
        or      ax, 0xF000
        push    ax
        popf
        pushf
        pop     ax
        test    ax, 0xF000
        jnz     .is386plus
        mov     si, cpu_286
        jmp     .print
.is386plus:
        cpu     586                     ; ---- 386+ only from here ----
        pushfd
        pop     eax
        mov     ecx, eax
        xor     eax, 1 << 18            ; AC: settable on the 486 and later
        push    eax
        popfd
        pushfd
        pop     eax
        push    ecx
        popfd
        xor     eax, ecx
        test    eax, 1 << 18
        jnz     .is486plus
        mov     si, cpu_386
        jmp     .print
.is486plus:
        mov     eax, ecx
        xor     eax, 1 << 21            ; ID: settable when CPUID exists
        push    eax
        popfd
        pushfd
        pop     eax
        push    ecx
        popfd
        xor     eax, ecx
        test    eax, 1 << 21
        jnz     .has_cpuid
        mov     si, cpu_486
        jmp     .print
.has_cpuid:
        xor     eax, eax
        cpuid
        mov     [vendor], ebx
        mov     [vendor + 4], edx
        mov     [vendor + 8], ecx
        mov     byte [vendor + 12], 0
        mov     si, cpu_cpuid
        call    puts
        mov     si, vendor              ; the vendor string is in RAM
.vendor_char:
        lodsb
        test    al, al
        jz      .vendor_done
        out     DEBUGCON, al
        jmp     .vendor_char
.vendor_done:
        mov     eax, 1
        cpuid
        shr     eax, 8
        and     ax, 0x0F                ; family
        mov     si, cpu_family
        call    puts
        call    putdec
        mov     si, newline
        jmp     .print
        cpu     8086                    ; ---- end of 386+ code ----
.print:
        call    puts
        ret

; ---------------------------------------------------------------------------
; The Mandelbrot set, z <- z^2 + c, in 8.8 fixed point. A product of two
; 8.8 numbers is 16.16 in DX:AX; its middle 16 bits (DL:AH) are the 8.8
; result. Before a point escapes |z| <= 2, so every value fits in 16 bits.
mandelbrot:
        mov     word [c_im], Y_START
        mov     bp, HEIGHT
.row:
        mov     word [c_re], X_START
        mov     al, ' '
        out     DEBUGCON, al
        out     DEBUGCON, al
        push    bp
        mov     bp, WIDTH
.pixel:
        xor     si, si                  ; zx
        xor     di, di                  ; zy
        mov     cx, MAXITER
.iterate:
        mov     ax, si
        imul    si
        mov     al, ah
        mov     ah, dl
        mov     bx, ax                  ; bx = zx^2
        mov     ax, di
        imul    di
        mov     al, ah
        mov     ah, dl                  ; ax = zy^2
        mov     dx, bx
        add     dx, ax                  ; |z|^2, unsigned
        jc      .escaped
        cmp     dx, 4 * 256
        ja      .escaped
        sub     bx, ax                  ; zx^2 - zy^2
        mov     ax, si
        imul    di                      ; zx * zy
        mov     al, ah
        mov     ah, dl
        shl     ax, 1
        add     ax, [c_im]
        mov     di, ax                  ; zy = 2 zx zy + c_im
        add     bx, [c_re]
        mov     si, bx                  ; zx = zx^2 - zy^2 + c_re
        loop    .iterate
        mov     al, '@'                 ; never escaped: inside the set
        jmp     .plot
.escaped:
        mov     bx, MAXITER
        sub     bx, cx                  ; iterations before escaping
        shr     bx, 1
        cmp     bx, PALETTE_LEN - 1
        jbe     .shade
        mov     bx, PALETTE_LEN - 1
.shade:
        cs mov  al, [palette + bx]
.plot:
        out     DEBUGCON, al
        add     word [c_re], X_STEP
        dec     bp
        jnz     .pixel
        mov     al, 10
        out     DEBUGCON, al
        pop     bp
        add     word [c_im], Y_STEP
        dec     bp
        jnz     .row
        ret

; ---------------------------------------------------------------------------
; puts: print the NUL-terminated string at CS:SI.
puts:
        push    ax
.next:  cs lodsb
        test    al, al
        jz      .done
        out     DEBUGCON, al
        jmp     .next
.done:  pop     ax
        ret

; putdec: print AX (unsigned) in decimal.
putdec:
        push    ax
        push    bx
        push    cx
        push    dx
        mov     bx, 10
        xor     cx, cx
.divide:
        xor     dx, dx
        div     bx
        push    dx
        inc     cx
        test    ax, ax
        jnz     .divide
.digit: pop     ax
        add     al, '0'
        out     DEBUGCON, al
        loop    .digit
        pop     dx
        pop     cx
        pop     bx
        pop     ax
        ret

banner:     db  10
            db  "  ox86 built-in demo: a 64 KiB ROM running on an emulated x86 PC", 10
            db  "  (rebuild it from test-roms/demo/demo.asm; run your own with --bios FILE)", 10, 10, 0
cpu_msg:    db  "  CPU: ", 0
cpu_8086:   db  "8086/8088 (FLAGS bits 12-15 stuck at 1)", 10, 0
cpu_286:    db  "80286 (FLAGS bits 12-15 clear in real mode)", 10, 0
cpu_386:    db  "80386 (no EFLAGS.AC)", 10, 0
cpu_486:    db  "80486 without CPUID", 10, 0
cpu_cpuid:  db  "CPUID vendor ", 0
cpu_family: db  ", family ", 0
newline:    db  10, 0
goodbye:    db  10, "  The Mandelbrot set in 8.8 fixed-point integer arithmetic.", 10
            db  "  Done: halting the CPU with interrupts disabled.", 10, 0
palette:    db  " .:-=+*#%"
PALETTE_LEN equ $ - palette

; ---------------------------------------------------------------------------
; Reset vector at F000:FFF0 (linear FFFF0 and FFFFFFF0).
        times   0xFFF0 - ($ - $$) db 0xFF
reset:  jmp     0xF000:start
        times   0x10000 - ($ - $$) db 0xFF

; kbd_echo.asm: a floppy boot sector for the window test
; (frontend/tests/window.rs), booted by ox86's built-in BIOS.
;
; It sets a 640x480 32-bpp mode through the Bochs VBE (DISPI) ports and
; fills the first 64 KiB bank (the top 25.6 lines) with colour C03080h,
; prints "kbd_echo ready" on the debug console (port 0xE9), then reads keys
; with INT 16h AH=00h and echoes them there: printable ASCII as itself,
; anything else as <ss> (the scan code in hex). The first key also fills
; the second bank (lines 25.6-51.2) with colour 20A040h. Enter prints a
; newline and exits through the isa-debug-exit port 0xF4 (value 10h,
; status 21h).
; The PS/2 mouse goes through the BIOS pointing-device services (INT 15h
; C205h 3-byte packets, C207h handler, C200h enable): each packet is
; echoed as [ss xx yy] (status, X, Y bytes in hex; status bits 0-2 are
; the buttons, 4 and 5 the X and Y signs). "mouse off" is printed if the
; services fail.
; Build: test-roms/boot/build.sh (nasm); the .img is committed.

        cpu     386
        bits    16
        org     0x7C00

DEBUGCON        equ 0xE9
EXIT_PORT       equ 0xF4
DISPI_INDEX     equ 0x1CE
DISPI_DATA      equ 0x1CF
DISPI_XRES      equ 1
DISPI_YRES      equ 2
DISPI_BPP       equ 3
DISPI_ENABLE    equ 4
DISPI_BANK      equ 5
COLOUR1         equ 0x00C03080
COLOUR2         equ 0x0020A040

boot:
        jmp     0:start
start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        cld
        mov     bx, DISPI_ENABLE
        xor     ax, ax
        call    dispi
        mov     bx, DISPI_XRES
        mov     ax, 640
        call    dispi
        mov     bx, DISPI_YRES
        mov     ax, 480
        call    dispi
        mov     bx, DISPI_BPP
        mov     ax, 32
        call    dispi
        mov     bx, DISPI_ENABLE
        mov     ax, 1               ; enabled, banked window at A0000
        call    dispi
        xor     bp, bp
        mov     eax, COLOUR1
        call    fill_bank
        mov     ax, 0xC205          ; initialise: 3-byte packets
        mov     bh, 3
        int     0x15
        jc      .no_mouse
        mov     ax, 0xC207          ; handler ES:BX
        mov     bx, mouse_handler
        int     0x15
        jc      .no_mouse
        mov     ax, 0xC200          ; enable
        mov     bh, 1
        int     0x15
        jnc     .mouse_on
.no_mouse:
        mov     si, mouse_off
        call    puts
.mouse_on:
        mov     si, ready
        call    puts
        mov     byte [first], 1
next:
        xor     ah, ah
        int     0x16
        cmp     byte [first], 0
        je      .echo
        mov     byte [first], 0
        push    eax
        mov     bp, 1
        mov     eax, COLOUR2
        call    fill_bank
        pop     eax
.echo:
        cmp     al, 0x0D
        je      done
        cmp     al, 0x20
        jb      .code
        cmp     al, 0x7E
        ja      .code
        out     DEBUGCON, al
        jmp     next
.code:
        mov     al, '<'
        out     DEBUGCON, al
        mov     al, ah
        call    hex_byte
        mov     al, '>'
        out     DEBUGCON, al
        jmp     next
done:
        mov     al, 10
        out     DEBUGCON, al
        mov     al, 0x10
        out     EXIT_PORT, al
        cli
        hlt
        jmp     done

; INT 15h C2h handler (far call; the BIOS pushed status, X, Y, Z).
mouse_handler:
        push    bp
        mov     bp, sp
        push    ax
        mov     al, '['
        out     DEBUGCON, al
        mov     al, [bp + 12]       ; status
        call    hex_byte
        mov     al, ' '
        out     DEBUGCON, al
        mov     al, [bp + 10]       ; X
        call    hex_byte
        mov     al, ' '
        out     DEBUGCON, al
        mov     al, [bp + 8]        ; Y
        call    hex_byte
        mov     al, ']'
        out     DEBUGCON, al
        pop     ax
        pop     bp
        retf

; DISPI register BX := AX.
dispi:
        push    ax
        mov     dx, DISPI_INDEX
        mov     ax, bx
        out     dx, ax
        pop     ax
        mov     dx, DISPI_DATA
        out     dx, ax
        ret

; Fill 64 KiB bank BP of the display memory with the dword in EAX.
fill_bank:
        push    eax
        mov     bx, DISPI_BANK
        mov     ax, bp
        call    dispi
        pop     eax
        push    es
        push    word 0xA000
        pop     es
        xor     di, di
        mov     cx, 0x4000
        rep     stosd
        pop     es
        ret

; Print the NUL-terminated string at SI on the debug console.
puts:
        lodsb
        test    al, al
        jz      .end
        out     DEBUGCON, al
        jmp     puts
.end:
        ret

; Print AL as two hex digits.
hex_byte:
        push    ax
        shr     al, 4
        call    hex_digit
        pop     ax
        and     al, 0x0F
hex_digit:
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'a' - '0' - 10
.out:
        out     DEBUGCON, al
        ret

ready:  db      "kbd_echo ready", 10, 0
mouse_off: db   "mouse off", 10, 0
first:  db      0

        times   510 - ($ - $$) db 0
        dw      0xAA55

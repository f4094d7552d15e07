; floppy_read.asm: a floppy boot sector for the FDC tests
; (test-roms/tests/fdc_boot.rs). The test puts it at LBA 0 of a 1.44M
; image whose every other sector starts with its LBA (a little-endian
; word), and "OK" at LBA 1. It reads C0 H0 R2 (LBA 1) and C1 H1 R18
; (LBA 71) through INT 13h AH=02h, then C0 H0 R1..R18 in one call
; (the whole first track, 9 KiB), reports on the 0xE9 console and
; exits through port 0xF4 (0x10 = pass, 0x11 = fail). With a BIOS
; that drives the 82077AA (SeaBIOS) the reads go through the FDC and
; 8237 channel 2.
        bits 16
        org 0x7C00
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov si, hello
        call puts
        mov ax, 0x0201          ; read 1 sector
        mov cx, 0x0002          ; C0 R2
        mov dx, 0x0000          ; H0, drive 0
        mov bx, 0x8000
        int 0x13
        jc fail
        cmp word [0x8000], 0x4B4F   ; "OK"
        jne fail
        mov ax, 0x0201          ; C1 H1 R18 = LBA 71
        mov cx, 0x0112
        mov dx, 0x0100
        mov bx, 0x9000
        int 0x13
        jc fail
        cmp word [0x9000], 71
        jne fail
        mov ax, 0x0212          ; 18 sectors: the whole track C0 H0
        mov cx, 0x0001
        mov dx, 0x0000
        mov bx, 0x1000
        mov es, bx
        xor bx, bx
        int 0x13
        jc fail
        cmp al, 18
        jne fail
        cmp word [es:17 * 512], 17
        jne fail
        cmp word [es:510], 0xAA55
        jne fail
        mov si, ok
        call puts
        mov al, 0x10
        out 0xF4, al
        hlt
fail:   mov si, bad
        call puts
        mov al, 0x11
        out 0xF4, al
        hlt
puts:   lodsb
        test al, al
        jz .d
        out 0xE9, al
        jmp puts
.d:     ret
hello:  db "floppy boot sector running", 10, 0
ok:     db "FLOPPY READ OK", 10, 0
bad:    db "FLOPPY READ FAILED", 10, 0
        times 510-($-$$) db 0
        dw 0xAA55

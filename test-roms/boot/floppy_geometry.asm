; floppy_geometry.asm: a floppy boot sector for test-roms/tests/fdc_boot.rs
; that works on every floppy size: INT 13h AH=08h gives the drive's
; geometry (CH = last cylinder, CL = sectors per track, DH = last head);
; it reads LBA 1 (expects "OK") and the last sector of the disk (expects
; its LBA in the first word, as the test's images hold) through AH=02h,
; prints "GEOMETRY OK" on the 0xE9 console and exits through port 0xF4
; (0x10 pass, 0x11 fail).
        bits 16
        org 0x7C00
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov ah, 0x08
        xor dx, dx
        int 0x13
        jc fail
        xor bx, bx              ; AH=08h points ES:DI at the parameter table
        mov es, bx
        and cl, 0x3F
        mov [spt], cl
        mov [lastc], ch
        mov [lasth], dh
        mov ax, 0x0201          ; LBA 1 = C0 H0 R2
        mov cx, 0x0002
        xor dx, dx
        mov bx, 0x8000
        int 0x13
        jc fail
        cmp word [0x8000], 0x4B4F
        jne fail
        ; last sector: C = lastc, H = lasth, R = spt
        mov ax, 0x0201
        mov ch, [lastc]
        mov cl, [spt]
        mov dh, [lasth]
        xor dl, dl
        mov bx, 0x9000
        int 0x13
        jc fail
        ; its LBA: (lastc * (lasth + 1) + lasth) * spt + spt - 1
        xor ax, ax
        mov al, [lasth]
        inc ax
        xor cx, cx
        mov cl, [lastc]
        mul cx
        xor cx, cx
        mov cl, [lasth]
        add ax, cx
        mov cl, [spt]
        mul cx
        add ax, cx
        dec ax
        cmp [0x9000], ax
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
spt:    db 0
lastc:  db 0
lasth:  db 0
ok:     db "GEOMETRY OK", 10, 0
bad:    db "GEOMETRY FAILED", 10, 0
        times 510-($-$$) db 0
        dw 0xAA55

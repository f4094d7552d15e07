; vga_services.asm: a 16 KiB hard-disk image that checks the video services
; of ox86's built-in BIOS (bios/src/firmware/int10) from a real boot on the
; VGA: mode 13h and 12h pixels (INT 10h AH=0Ch/0Dh, and the byte in video
; memory for 13h), the display combination (1A00h), mode 3 with the 8x8
; font (1112h: 50 rows), then VBE: controller information ("VBE2" in,
; "VESA" 3.0 out, mode 142h in the list), mode information of 142h
; (640x480x32, PhysBasePtr), 4F02h with the LFB bit, 4F03h, a red pixel at
; (0,0) through the 64 KiB window at A000h and a green one at bank 1
; (4F05h), which is pixel (384,25) at 2560 bytes per line. The VBE mode
; stays on for the test to look at.
;
; Output on the debug console (port 0xE9): one `PASS name` / `FAIL name`
; line per check, `LFB xxxxxxxx`, then `all N checks passed` (or `N checks
; failed`), and the verdict on port 0xF4 (10h pass, 11h fail). Run by
; test-roms/tests/builtin_bios.rs. Build: test-roms/boot/build.sh (nasm).

        cpu     386
        bits    16
        org     0x7C00

DEBUGCON        equ 0xE9
EXIT_PORT       equ 0xF4
STAGE2_SECTORS  equ 4
INFO            equ 0x1000          ; VbeInfoBlock (512 bytes)
MODEINFO        equ 0x1400          ; ModeInfoBlock (256 bytes)
VBE_MODE        equ 0x142           ; 640x480x32

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
        mov     ax, 0x0200 + STAGE2_SECTORS
        mov     cx, 0x0002
        mov     dh, 0
        mov     bx, stage2
        int     0x13
        jc      .fail
        jmp     stage2
.fail:
        mov     al, '!'
        out     DEBUGCON, al
        mov     al, 0x11
        out     EXIT_PORT, al
        cli
        hlt

        times   510 - ($ - $$) db 0
        dw      0xAA55

; ---------------------------------------------------------------------------
stage2:
%include "check.inc"

        ; Mode 13h: a pixel through AH=0Ch, read back, and in memory.
        mov     ax, 0x0013
        int     0x10
        mov     ax, 0x0C2A
        xor     bh, bh
        mov     cx, 10
        mov     dx, 20
        int     0x10
        mov     ah, 0x0D
        int     0x10
        cmp     al, 0x2A
        jne     .m13_done
        push    es
        push    0xA000
        pop     es
        cmp     byte [es:20 * 320 + 10], 0x2A
        pop     es
.m13_done:
        CHECK   "mode 13h pixel"

        ; Mode 12h: planar pixel, read back; its neighbour stays 0.
        mov     ax, 0x0012
        int     0x10
        mov     ax, 0x0C0C
        xor     bh, bh
        mov     cx, 100
        mov     dx, 50
        int     0x10
        mov     ah, 0x0D
        int     0x10
        cmp     al, 0x0C
        jne     .m12_done
        mov     ah, 0x0D
        mov     cx, 101
        int     0x10
        cmp     al, 0
.m12_done:
        CHECK   "mode 12h planar pixel"

        mov     ax, 0x1A00
        int     0x10
        cmp     al, 0x1A
        jne     .dcc_done
        cmp     bl, 0x08
.dcc_done:
        CHECK   "display combination VGA colour"

        ; Mode 3 and the 8x8 font: 50 rows (BDA 484h = 49).
        mov     ax, 0x0003
        int     0x10
        mov     ax, 0x1112
        xor     bl, bl
        int     0x10
        push    es
        push    0x40
        pop     es
        cmp     byte [es:0x84], 49
        pop     es
        CHECK   "80x50 text (1112h)"

        ; VBE controller information.
        mov     dword [INFO], 'VBE2'
        mov     di, INFO
        mov     ax, 0x4F00
        int     0x10
        cmp     ax, 0x004F
        jne     .info_done
        cmp     dword [INFO], 'VESA'
        jne     .info_done
        cmp     word [INFO + 4], 0x0300
        jne     .info_done
        ; Walk the mode list (far pointer at 0Eh) for 142h.
        push    ds
        lds     si, [INFO + 0x0E]
.scan:
        lodsw
        cmp     ax, 0xFFFF
        je      .scan_end
        cmp     ax, VBE_MODE
        jne     .scan
.scan_end:
        pop     ds
        cmp     ax, VBE_MODE
.info_done:
        CHECK   "VBE 4F00h VESA 3.0, mode 142h listed"

        mov     ax, 0x4F01
        mov     cx, VBE_MODE
        mov     di, MODEINFO
        int     0x10
        cmp     ax, 0x004F
        jne     .mi_done
        cmp     word [MODEINFO + 0x12], 640
        jne     .mi_done
        cmp     word [MODEINFO + 0x14], 480
        jne     .mi_done
        cmp     byte [MODEINFO + 0x19], 32
        jne     .mi_done
        cmp     word [MODEINFO + 0x10], 2560
        jne     .mi_done
        test    byte [MODEINFO], 0x80   ; LFB available
        jz      .mi_bad
        cmp     word [MODEINFO + 0x08], 0xA000
        jmp     .mi_done
.mi_bad:
        or      sp, sp
.mi_done:
        CHECK   "VBE 4F01h mode 142h information"
        mov     si, s_lfb
        call    puts
        mov     eax, [MODEINFO + 0x28]
        call    put_hex32
        mov     al, 10
        out     DEBUGCON, al

        mov     ax, 0x4F02
        mov     bx, 0x4000 + VBE_MODE
        int     0x10
        cmp     ax, 0x004F
        jne     .set_done
        mov     ax, 0x4F03
        int     0x10
        cmp     ax, 0x004F
        jne     .set_done
        cmp     bx, 0x4000 + VBE_MODE
.set_done:
        CHECK   "VBE 4F02h/4F03h mode 142h with LFB"

        ; Red at (0,0) in bank 0, green at the start of bank 1.
        push    es
        push    0xA000
        pop     es
        mov     dword [es:0], 0x00FF0000
        mov     ax, 0x4F05
        xor     bx, bx
        mov     dx, 1
        int     0x10
        cmp     ax, 0x004F
        jne     .bank_done
        mov     dword [es:0], 0x0000FF00
        mov     ax, 0x4F05
        mov     bx, 0x0100
        int     0x10
        cmp     dx, 1
.bank_done:
        pop     es
        CHECK   "VBE 4F05h bank switch"

%include "report.inc"

; EAX in hexadecimal (8 digits).
put_hex32:
        mov     cx, 8
.digit:
        rol     eax, 4
        push    eax
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .emit
        add     al, 'A' - '9' - 1
.emit:
        out     DEBUGCON, al
        pop     eax
        loop    .digit
        ret

s_pass:   db "PASS ", 0
s_fail:   db "FAIL ", 0
s_all:    db "all ", 0
s_lfb:    db "LFB ", 0
s_passed: db " checks passed", 10, 0
s_failed: db " checks failed", 10, 0
passes:   dw 0
fails:    dw 0

        times   (1 + STAGE2_SECTORS) * 512 - ($ - $$) db 0
; The rest of the 16 KiB disk.
        times   32 * 512 - ($ - $$) db 0

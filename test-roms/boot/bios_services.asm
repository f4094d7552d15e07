; bios_services.asm: a 32 KiB hard-disk image that checks the services of
; ox86's built-in BIOS (bios/src/firmware) from a real boot: the BIOS loads
; the boot sector from drive 80h, which loads the rest with INT 13h AH=02h
; and then checks INT 13h (EDD 41h/42h/43h, 08h, errors), 15h (E820, E801,
; A20, 86h wait), 12h, 11h, 16h, 1Ah (ticks advancing through IRQ0, RTC,
; PCI BIOS) and 10h (teletype, cursor, read character).
;
; Output on the debug console (port 0xE9): one `PASS name` / `FAIL name`
; line per check, then `all N checks passed` (or `N checks failed`), and
; the verdict on the isa-debug-exit port 0xF4 (10h pass, 11h fail), as the
; ROMs in test-roms/roms do. Run by test-roms/tests/builtin_bios.rs in the
; deterministic clock mode (RTC at 2024-01-01 00:00:00) on a 32 MiB PC.
; Build: test-roms/boot/build.sh (nasm); the .img is committed.

        cpu     386
        bits    16
        org     0x7C00

DEBUGCON        equ 0xE9
EXIT_PORT       equ 0xF4
STAGE2_SECTORS  equ 7
DATA_LBA        equ 8               ; "SECTOR08" pattern sector
SCRATCH_LBA     equ 9               ; written and read back
BUF             equ 0x1000
BUF2            equ 0x1400
E820_BUF        equ 0x1800

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
        mov     [drive], dl
        mov     ax, 0x0200 + STAGE2_SECTORS
        mov     cx, 0x0002          ; cylinder 0, sector 2
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

drive:  db      0

        times   510 - ($ - $$) db 0
        dw      0xAA55

; ---------------------------------------------------------------------------
stage2:
%include "check.inc"

        ; The boot drive is the first hard disk.
        cmp     byte [drive], 0x80
        CHECK   "boot drive 80h"

        ; EDD installation check.
        mov     ah, 0x41
        mov     bx, 0x55AA
        mov     dl, 0x80
        int     0x13
        jc      .edd_fail
        cmp     bx, 0xAA55
        jmp     .edd_done
.edd_fail:
        or      sp, sp              ; ZF = 0
.edd_done:
        CHECK   "INT 13h 41h EDD present"

        ; Extended read of the pattern sector.
        mov     si, dap
        mov     word [dap + 2], 1
        mov     word [dap + 4], BUF
        mov     dword [dap + 8], DATA_LBA
        mov     ah, 0x42
        mov     dl, 0x80
        int     0x13
        jc      .ext_fail
        cmp     dword [BUF], 'SECT'
        jne     .ext_fail
        cmp     dword [BUF + 4], 'OR08'
        jmp     .ext_done
.ext_fail:
        or      sp, sp
.ext_done:
        CHECK   "INT 13h 42h extended read"

        ; Extended write, then read back.
        mov     dword [BUF], 'WRIT'
        mov     si, dap
        mov     word [dap + 2], 1
        mov     word [dap + 4], BUF
        mov     dword [dap + 8], SCRATCH_LBA
        mov     ax, 0x4300
        mov     dl, 0x80
        int     0x13
        jc      .wr_fail
        mov     word [dap + 2], 1
        mov     word [dap + 4], BUF2
        mov     ah, 0x42
        int     0x13
        jc      .wr_fail
        cmp     dword [BUF2], 'WRIT'
        jmp     .wr_done
.wr_fail:
        or      sp, sp
.wr_done:
        CHECK   "INT 13h 43h write reads back"

        ; Parameters: one hard disk, 63 sectors per track.
        mov     ah, 0x08
        mov     dl, 0x80
        int     0x13
        jc      .p_fail
        and     cl, 0x3F
        cmp     cl, 63
        jne     .p_fail
        cmp     dl, 1
        jmp     .p_done
.p_fail:
        or      sp, sp
.p_done:
        CHECK   "INT 13h 08h parameters"

        ; A read past the end of the disk fails with CF = 1.
        mov     ax, 0x0201
        mov     cx, 0xFF01          ; cylinder 255
        mov     dx, 0x0080
        mov     bx, BUF
        int     0x13
        setc    al
        cmp     al, 1
        CHECK   "INT 13h 02h past the end sets CF"

        ; E820: walk the map; the first entry is RAM at 0, some entry is
        ; RAM at 1 MiB.
        xor     ebx, ebx
        xor     bp, bp              ; entries
        xor     cx, cx              ; bit 0: first ok, bit 1: 1 MiB seen
        mov     [e820_flags], cx
.e820_next:
        mov     eax, 0xE820
        mov     edx, 'PAMS'
        mov     ecx, 20
        mov     di, E820_BUF
        int     0x15
        jc      .e820_end
        cmp     eax, 'PAMS'
        jne     .e820_end
        cmp     dword [E820_BUF + 16], 1
        jne     .e820_count
        cmp     dword [E820_BUF], 0
        jne     .e820_mb
        or      bp, bp
        jnz     .e820_count
        or      byte [e820_flags], 1
.e820_mb:
        cmp     dword [E820_BUF], 0x100000
        jne     .e820_count
        or      byte [e820_flags], 2
.e820_count:
        inc     bp
        cmp     bp, 32
        jae     .e820_end
        or      ebx, ebx
        jnz     .e820_next
.e820_end:
        cmp     byte [e820_flags], 3
        jne     .e820_bad
        cmp     bp, 4
        jb      .e820_bad
        cmp     ax, ax
        jmp     .e820_done
.e820_bad:
        or      sp, sp
.e820_done:
        CHECK   "INT 15h E820 map"

        mov     ax, 0xE801
        int     0x15
        cmp     ax, 15 * 1024
        CHECK   "INT 15h E801 1-16 MiB"

        mov     ax, 0x2402
        int     0x15
        cmp     al, 1
        CHECK   "INT 15h 2402h A20 on"

        mov     ah, 0x86
        xor     cx, cx
        mov     dx, 1000            ; 1 ms
        int     0x15
        setc    al
        cmp     al, 0
        CHECK   "INT 15h 86h wait"

        int     0x12
        cmp     ax, 639
        CHECK   "INT 12h base memory"

        int     0x11
        and     ax, 0x0030
        cmp     ax, 0x0020
        CHECK   "INT 11h 80x25 colour"

        mov     ah, 0x01
        int     0x16
        CHECK   "INT 16h 01h no key"

        ; Ticks advance (IRQ0 at 18.2 Hz through INT 08h).
        xor     ah, ah
        int     0x1A
        mov     bx, dx
        mov     cx, 20
.tick:
        sti
        hlt
        push    cx
        xor     ah, ah
        int     0x1A
        pop     cx
        cmp     dx, bx
        jne     .ticked
        loop    .tick
.ticked:
        cmp     dx, bx
        setne   al
        cmp     al, 1
        CHECK   "INT 1Ah ticks advance"

        mov     ah, 0x04
        int     0x1A
        jc      .date_bad
        cmp     cx, 0x2024
        jne     .date_bad
        cmp     dx, 0x0101
        jmp     .date_done
.date_bad:
        or      sp, sp
.date_done:
        CHECK   "INT 1Ah 04h RTC date"

        mov     ah, 0x02
        int     0x1A
        cmp     ch, 0x00
        CHECK   "INT 1Ah 02h RTC hour"

        mov     ax, 0xB101
        xor     edi, edi
        int     0x1A
        cmp     edx, 'PCI '
        CHECK   "INT 1Ah B101h PCI BIOS"

        mov     ax, 0xB102
        mov     cx, 0x1237
        mov     dx, 0x8086
        xor     si, si
        int     0x1A
        jc      .pci_bad
        cmp     bx, 0
        jmp     .pci_done
.pci_bad:
        or      sp, sp
.pci_done:
        CHECK   "INT 1Ah B102h finds the i440FX"

        ; Teletype at row 10, then read the second character back.
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x0A00
        int     0x10
        mov     ax, 0x0E48          ; 'H'
        int     0x10
        mov     ax, 0x0E69          ; 'i'
        int     0x10
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        cmp     dx, 0x0A02
        jne     .tty_bad
        mov     ah, 0x02
        mov     dx, 0x0A01
        int     0x10
        mov     ah, 0x08
        int     0x10
        cmp     al, 'i'
        jne     .tty_bad
        push    es
        push    0xB800
        pop     es
        cmp     byte [es:10 * 160], 'H'
        pop     es
        jmp     .tty_done
.tty_bad:
        or      sp, sp
.tty_done:
        CHECK   "INT 10h teletype, cursor, read char"

%include "report.inc"

s_pass:   db "PASS ", 0
s_fail:   db "FAIL ", 0
s_all:    db "all ", 0
s_passed: db " checks passed", 10, 0
s_failed: db " checks failed", 10, 0
passes:   dw 0
fails:    dw 0
e820_flags: dw 0
dap:      db 0x10, 0
          dw 0, 0, 0
          dq 0

        times   (1 + STAGE2_SECTORS) * 512 - ($ - $$) db 0
; Sector 8: the pattern.
        db      "SECTOR08"
        times   (DATA_LBA + 1) * 512 - ($ - $$) db 0xA5
; The rest of the 32 KiB disk.
        times   64 * 512 - ($ - $$) db 0

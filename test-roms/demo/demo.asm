; ox86 built-in demo ROM: `cargo run --release` boots this image.
;
; A BIOS-replacement image (64 KiB at F0000, reset vector at FFFF0) that
; uses no BIOS services: it programs the hardware itself.
;
;   1. Identifies the CPU generation the classic way (FLAGS bits 12-15,
;      then the EFLAGS AC and ID bits, then CPUID), reads the RAM size from
;      the CMOS, probes the Bochs VBE (DISPI) interface, initialises the
;      8259A pair, sets PIT channel 0 to 60 Hz (IRQ 0) and takes IRQ 1 from
;      the 8042 (any key press skips to the next part).
;   2. VGA mode 3 from the IBM VGA register values, with the 8x16 font
;      (the built-in BIOS's X11 misc-fixed glyphs, public domain) loaded into
;      plane 2: a title screen, held for 2.5 s.
;   3. VGA mode 13h: the Mandelbrot set (320x200, 4.12 fixed-point integer
;      arithmetic, mirrored about the real axis, main cardioid and period-2
;      bulb skipped), drawn progressively, then 2.5 s of palette cycling.
;   4. Bochs VBE 320x200 at 32 bits per pixel, a 640x400 virtual screen
;      through the 64 KiB banked window: a true-colour plasma panned with the
;      DISPI display offsets for 2 s.
;   5. Mode 3 again: a summary; then `cli; hlt` (headless, ox86 exits with
;      status 0; a window stays open on the summary).
;
; The waits halt the CPU between timer ticks, so a `--deterministic` run
; (guest time from the instruction count, halts skipped) takes only the
; instructions. Everything is also reported on the debug console (port
; 0xE9) — what a headless run shows — with an ASCII rendering of the
; Mandelbrot picture read back from video memory. POST codes (port 0x190):
; 0x01 start, 0x10 CPU check, 0x20 devices set up, 0x30 title screen shown,
; 0x40 Mandelbrot started, 0x41 drawn, 0x50 plasma drawn, 0x60 summary
; shown, 0xFF done.
;
; Everything outside the marked 386+ block is 8086 code, so the demo runs
; on every `--cpu` model.
;
; Build: nasm -f bin -I test-roms/roms/ -o demo.bin demo.asm
; (test-roms/roms/build.sh does it; the font (bios/src/firmware/rom/) and
; the VGA code shared with the VGA test ROM (test-roms/vga/vga_regs.inc) are
; included by paths relative to this directory or to test-roms/roms/, both
; two levels below the root.)

        cpu     8086
        bits    16
        org     0                       ; CS = F000, offsets = file offsets

DEBUGCON        equ 0xE9
POST_PORT       equ 0x190

; 8259A (Intel 8259A datasheet): ICW1 edge/cascade/ICW4, ICW2 vector base.
PIC1_CMD        equ 0x20
PIC1_DATA       equ 0x21
PIC2_CMD        equ 0xA0
PIC2_DATA       equ 0xA1
PIC_EOI         equ 0x20
; 8254 PIT: channel 0, lobyte/hibyte, mode 2 (rate generator), binary.
PIT_CH0         equ 0x40
PIT_CTRL        equ 0x43
PIT_HZ          equ 60
PIT_DIVISOR     equ (1193182 + PIT_HZ / 2) / PIT_HZ
; 8042
KBD_DATA        equ 0x60
KBD_STATUS      equ 0x64                ; bit 0: output buffer full
; CMOS
CMOS_INDEX      equ 0x70
CMOS_DATA       equ 0x71
; VGA ports (VGA_*), DISPI_INDEX/DATA and the DISPI macro: vga_regs.inc.
; Bochs VBE DISPI registers
DISPI_ID        equ 0
DISPI_XRES      equ 1
DISPI_YRES      equ 2
DISPI_BPP       equ 3
DISPI_ENABLE    equ 4
DISPI_BANK      equ 5
DISPI_VIRT_W    equ 6
DISPI_X_OFF     equ 8
DISPI_Y_OFF     equ 9
DISPI_VMEM_64K  equ 0x0A

; Timing, in ticks of PIT_HZ (7 s in all).
TITLE_TICKS     equ 5 * PIT_HZ / 2
CYCLE_TICKS     equ 5 * PIT_HZ / 2
PLASMA_TICKS    equ 2 * PIT_HZ
PIT_PER_MS      equ 1193                ; PIT input clocks per millisecond

; The Mandelbrot view in 4.12 fixed point (4096 = 1.0). 320x200 pixels are
; 1.2 times taller than wide on a 4:3 screen, hence Y_STEP = 1.2 X_STEP.
MAXITER         equ 64
FIX_ONE         equ 4096
X_STEP          equ 38                  ; ~0.0093
Y_STEP          equ 46
X_START         equ -2662 - 160 * X_STEP  ; centred on -0.65
Y_START         equ -((199 * Y_STEP) / 2)  ; rows y and 199-y are mirror images

PLASMA_VW       equ 640                 ; virtual screen of the plasma
PLASMA_VH       equ 400

; Variables in RAM (DS = 0 throughout).
ticks           equ 0x500               ; word: IRQ 0 count
skip            equ 0x502               ; byte: a key was pressed
keys            equ 0x504               ; word: key presses
deadline        equ 0x506
c_re            equ 0x508
c_im            equ 0x50A
ptr_top         equ 0x50C
ptr_bot         equ 0x50E
iters           equ 0x510               ; dword
mandel_ms       equ 0x514
cycle_frames    equ 0x516
plasma_frames   equ 0x518
t0              equ 0x51A
last_tick       equ 0x51C
row             equ 0x51E
col             equ 0x520
y2              equ 0x522
cpu_kind        equ 0x524               ; 0 8086, 1 286, 2 386, 3 486, 4 CPUID
cpu_family      equ 0x526
base_kib        equ 0x528
ram_mib         equ 0x52A
vbe_id          equ 0x52C               ; 0: no Bochs VBE
vbe_mem         equ 0x52E               ; in 64 KiB units
bufp            equ 0x530
bank            equ 0x532
ylow            equ 0x534
mandel_pixels   equ 0x536
c0              equ 0x538               ; PIT count at the start
plasma_ms       equ 0x53A
scan_log        equ 0x560               ; word count + 16 bytes from IRQ 1
vendor          equ 0x540               ; 12 bytes + NUL
buf             equ 0x600               ; line buffer (NUL-terminated)

%macro  POST 1
        mov     al, %1
        mov     dx, POST_PORT
        out     dx, al
%endmacro

; The shared VGA code and tables (vga_set_regs, vga_load_dac, vga_mode03,
; vga_mode13, vga_ega_palette), placed here, ahead of start.
%include "../vga/vga_regs.inc"

start:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7C00
        mov     ds, ax
        mov     es, ax
        mov     di, 0x500               ; clear the variables
        mov     cx, 0x80
        rep     stosw
        POST    0x01
        mov     si, banner
        call    puts

        POST    0x10
        call    identify_cpu
        call    probe_machine
        call    console_info

        call    setup_interrupts
        POST    0x20
        sti

        ; ---- 1. title screen in text mode ----
        call    set_mode3
        call    draw_title
        POST    0x30
        mov     si, msg_part1
        call    puts
        mov     cx, TITLE_TICKS
        call    wait_ticks

        ; ---- 2. Mandelbrot set in mode 13h ----
        call    set_mode13
        mov     si, msg_part2
        call    puts
        POST    0x40
        call    mandelbrot
        POST    0x41
        call    mandel_report
        call    ascii_preview
        call    cycle_palette

        ; ---- 3. true-colour plasma through the Bochs VBE ----
        cmp     word [vbe_id], 0
        je      .no_vbe
        mov     si, msg_part3
        call    puts
        call    plasma
        jmp     .summary
.no_vbe:
        mov     si, msg_novbe
        call    puts

        ; ---- 4. summary ----
.summary:
        call    set_mode3
        call    draw_summary
        POST    0x60
        mov     si, msg_part4
        call    puts
        call    console_summary
        mov     si, goodbye
        call    puts
        POST    0xFF
        cli
.halt:  hlt
        jmp     .halt

; ===========================================================================
; Machine identification
; ===========================================================================

; Sets [cpu_kind] (and [vendor], [cpu_family] with CPUID).
; 8086: FLAGS bits 12-15 always read as 1. 80286 (real mode): they always
; read as 0. 386+: they can be changed.
identify_cpu:
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
        mov     byte [cpu_kind], 0
        ret
.not8086:
        or      ax, 0xF000
        push    ax
        popf
        pushf
        pop     ax
        test    ax, 0xF000
        jnz     .is386plus
        mov     byte [cpu_kind], 1
        ret
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
        mov     byte [cpu_kind], 2
        ret
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
        mov     byte [cpu_kind], 3
        ret
.has_cpuid:
        xor     eax, eax
        cpuid
        mov     [vendor], ebx
        mov     [vendor + 4], edx
        mov     [vendor + 8], ecx
        mov     byte [vendor + 12], 0
        mov     eax, 1
        cpuid
        shr     eax, 8
        and     ax, 0x0F
        mov     [cpu_family], ax
        mov     byte [cpu_kind], 4
        ret
        cpu     8086                    ; ---- end of 386+ code ----

; RAM size from the CMOS (0x15 base KiB, 0x30 extended KiB, 0x34 64 KiB
; units above 16 MiB), the Bochs VBE ID and video memory.
probe_machine:
        mov     al, 0x15
        call    cmos_word
        mov     [base_kib], ax
        mov     al, 0x34
        call    cmos_word
        test    ax, ax
        jz      .below16
        mov     cl, 4
        shr     ax, cl
        add     ax, 16
        jmp     .ram
.below16:
        mov     al, 0x30
        call    cmos_word
        mov     cl, 10
        shr     ax, cl
        inc     ax
.ram:   mov     [ram_mib], ax
        mov     dx, DISPI_INDEX
        mov     ax, DISPI_ID
        out     dx, ax
        mov     dx, DISPI_DATA
        in      ax, dx
        mov     bx, ax
        and     bx, 0xFFF0
        cmp     bx, 0xB0C0
        jne     .novbe
        mov     [vbe_id], ax
        mov     dx, DISPI_INDEX
        mov     ax, DISPI_VMEM_64K
        out     dx, ax
        mov     dx, DISPI_DATA
        in      ax, dx
        mov     [vbe_mem], ax
.novbe: ret

; AX <- CMOS word at index AL (low byte first), NMI left disabled.
cmos_word:
        push    bx
        mov     bl, al
        or      al, 0x80
        out     CMOS_INDEX, al
        in      al, CMOS_DATA
        mov     ah, al
        mov     al, bl
        inc     al
        or      al, 0x80
        out     CMOS_INDEX, al
        in      al, CMOS_DATA
        xchg    al, ah
        pop     bx
        ret

; Line buffer <- "CPU: ..." description.
buf_cpu:
        mov     si, lbl_cpu
        call    buf_cs
        mov     bl, [cpu_kind]
        xor     bh, bh
        shl     bx, 1
        mov     si, [cs:cpu_names + bx]
        call    buf_cs
        cmp     byte [cpu_kind], 4
        jne     .done
        mov     si, vendor
        call    buf_ds
        mov     si, txt_family
        call    buf_cs
        mov     ax, [cpu_family]
        call    buf_dec
.done:  ret

buf_ram:
        mov     si, lbl_ram
        call    buf_cs
        mov     ax, [base_kib]
        call    buf_dec
        mov     si, txt_ram1
        call    buf_cs
        mov     ax, [ram_mib]
        call    buf_dec
        mov     si, txt_ram2
        jmp     buf_cs

buf_video:
        mov     si, lbl_video
        call    buf_cs
        mov     ax, [vbe_id]
        test    ax, ax
        jnz     .vbe
        mov     si, txt_novbe
        jmp     buf_cs
.vbe:   mov     si, txt_vbe1
        call    buf_cs
        mov     ax, [vbe_id]
        call    buf_hex
        mov     si, txt_vbe2
        call    buf_cs
        mov     ax, [vbe_mem]
        mov     cl, 4
        shr     ax, cl
        call    buf_dec
        mov     si, txt_vbe3
        jmp     buf_cs

buf_timer:
        mov     si, lbl_timer
        jmp     buf_cs

; The four machine lines on the debug console.
console_info:
        mov     bx, buf_cpu
        call    .line
        mov     bx, buf_ram
        call    .line
        mov     bx, buf_video
        call    .line
        mov     bx, buf_timer
.line:  call    buf_reset
        call    bx
        jmp     console_buf

; ===========================================================================
; Interrupts: 8259A, 8254, handlers
; ===========================================================================

setup_interrupts:
        mov     word [8 * 4], irq0
        mov     word [8 * 4 + 2], 0xF000
        mov     word [9 * 4], irq1
        mov     word [9 * 4 + 2], 0xF000
        mov     al, 0x11                ; ICW1: edge, cascade, ICW4 needed
        out     PIC1_CMD, al
        out     PIC2_CMD, al
        mov     al, 0x08                ; ICW2: IRQ 0-7 -> vectors 8-15
        out     PIC1_DATA, al
        mov     al, 0x70                ; IRQ 8-15 -> vectors 0x70-0x77
        out     PIC2_DATA, al
        mov     al, 0x04                ; ICW3: slave on IRQ 2
        out     PIC1_DATA, al
        mov     al, 0x02                ; slave ID 2
        out     PIC2_DATA, al
        mov     al, 0x01                ; ICW4: 8086 mode
        out     PIC1_DATA, al
        out     PIC2_DATA, al
        mov     al, 0xFC                ; OCW1: IRQ 0 and 1 only
        out     PIC1_DATA, al
        mov     al, 0xFF
        out     PIC2_DATA, al
        mov     al, 0x34                ; channel 0, lo/hi, mode 2, binary
        out     PIT_CTRL, al
        mov     al, PIT_DIVISOR & 0xFF
        out     PIT_CH0, al
        mov     al, PIT_DIVISOR >> 8
        out     PIT_CH0, al
        ; IRQ 1 is edge-triggered: bytes already waiting in the 8042 (the
        ; keyboard's power-on 0xAA) would hold the line high and no key
        ; press would make another edge. Drain them.
        mov     cx, 16
.drain: in      al, KBD_STATUS
        test    al, 1
        jz      .drained
        in      al, KBD_DATA
        loop    .drain
.drained:
        ret

; AX <- PIT channel 0 count (latched), BX <- timer ticks.
pit_read:
        cli
        xor     al, al                  ; counter latch command, channel 0
        out     PIT_CTRL, al
        in      al, PIT_CH0
        mov     ah, al
        in      al, PIT_CH0
        xchg    al, ah
        mov     bx, [ticks]
        sti
        ret

irq0:
        push    ax
        push    ds
        xor     ax, ax
        mov     ds, ax
        inc     word [ticks]
        mov     al, PIC_EOI
        out     PIC1_CMD, al
        pop     ds
        pop     ax
        iret

; A make code (bit 7 clear; the 8042 translates to set 1) is a key press.
; The keyboard's power-on 0xAA is ignored the same way as break codes, and a
; request with the 8042's output buffer empty is not a key.
irq1:
        push    ax
        push    ds
        xor     ax, ax
        mov     ds, ax
        in      al, KBD_STATUS
        test    al, 1                   ; nothing in the output buffer:
        jz      .done                   ; a spurious request
        in      al, KBD_DATA
        push    bx
        mov     bx, [scan_log]          ; the last 16 bytes, for debugging
        and     bx, 15
        mov     [scan_log + 2 + bx], al
        inc     word [scan_log]
        pop     bx
        test    al, 0x80
        jnz     .done
        test    al, al                  ; 00: overrun/detection error
        jz      .done
        mov     byte [skip], 1
        inc     word [keys]
.done:  mov     al, PIC_EOI
        out     PIC1_CMD, al
        pop     ds
        pop     ax
        iret

; Wait CX timer ticks (halting in between) or until a key is pressed.
; Returns CF set when a key ended the wait.
wait_ticks:
        mov     ax, [ticks]
        add     ax, cx
        mov     [deadline], ax
.loop:  cli
        cmp     byte [skip], 0
        jne     .key
        mov     ax, [ticks]
        sub     ax, [deadline]
        jns     .done
        sti
        hlt
        jmp     .loop
.key:   mov     byte [skip], 0
        sti
        stc
        ret
.done:  sti
        clc
        ret

; Wait for the next timer tick (or a key press: CF set).
next_tick:
        mov     ax, [ticks]
        mov     [last_tick], ax
.loop:  cli
        cmp     byte [skip], 0
        jne     .key
        mov     ax, [ticks]
        cmp     ax, [last_tick]
        jne     .done
        sti
        hlt
        jmp     .loop
.key:   mov     byte [skip], 0
        sti
        stc
        ret
.done:  sti
        clc
        ret

; ===========================================================================
; VGA mode setting from register tables (IBM VGA Technical Reference values)
; ===========================================================================

; (vga_set_regs and vga_load_dac: vga_regs.inc)

; 80x25 text, 9x16 cells, font in plane 2, blank blue-free screen, no cursor.
set_mode3:
        DISPI   DISPI_ENABLE, 0
        mov     si, vga_mode03
        call    vga_set_regs
        mov     si, vga_ega_palette
        mov     cx, 64
        call    vga_load_dac
        ; Font: plane 2 only, sequential addressing, A0000 window.
        mov     dx, VGA_SEQ_INDEX
        mov     ax, 0x0402              ; map mask: plane 2
        out     dx, ax
        mov     ax, 0x0704              ; memory mode: no odd/even, no chain 4
        out     dx, ax
        mov     dx, VGA_GC_INDEX
        mov     ax, 0x0005              ; write mode 0, no odd/even
        out     dx, ax
        mov     ax, 0x0406              ; A0000 64 KiB, graphics addressing
        out     dx, ax
        push    es
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        mov     si, font8x16
        mov     bx, 256
        push    ds
        push    cs                      ; DS = CS: no segment override on a
        pop     ds                      ; REP string op (the 8086 loses it
.glyph: mov     cx, 8                   ; when interrupted)
        rep     movsw                   ; 16 bytes of glyph
        xor     ax, ax
        mov     cx, 8
        rep     stosw                   ; 16 unused rows
        dec     bx
        jnz     .glyph
        pop     ds
        ; Back to text addressing: planes 0/1, odd/even, B8000 window.
        mov     dx, VGA_SEQ_INDEX
        mov     ax, 0x0302
        out     dx, ax
        mov     ax, 0x0204
        out     dx, ax
        mov     dx, VGA_GC_INDEX
        mov     ax, 0x1005
        out     dx, ax
        mov     ax, 0x0E06
        out     dx, ax
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        mov     ax, 0x1720              ; grey on blue spaces
        mov     cx, 80 * 25
        rep     stosw
        pop     es
        mov     dx, VGA_CRTC_INDEX
        mov     ax, 0x200A              ; cursor off
        out     dx, ax
        ret

; 320x200, 256 colours, chain 4; the Mandelbrot palette; screen cleared.
set_mode13:
        mov     si, vga_mode13
        call    vga_set_regs
        mov     si, black
        mov     cx, 1
        call    vga_load_dac
        xor     ax, ax
        call    load_cycled             ; entries 1-255
        push    es
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        xor     ax, ax
        mov     cx, 32000
        rep     stosw
        pop     es
        ret

; DAC entries 1-255 <- the gradient rotated by AX (0-254) entries.
load_cycled:
        mov     bx, ax
        mov     dx, VGA_DAC_WINDEX
        mov     al, 1
        out     dx, al
        inc     dx
        mov     si, bx
        shl     si, 1
        add     si, bx
        add     si, gradient
        mov     cx, 255
        sub     cx, bx
        call    .out
        mov     si, gradient
        mov     cx, bx
.out:   jcxz    .done
.entry: cs lodsb
        out     dx, al
        cs lodsb
        out     dx, al
        cs lodsb
        out     dx, al
        loop    .entry
.done:  ret

; ===========================================================================
; Text screens
; ===========================================================================

; Frame around the screen with a title (CS:SI) centred in the top border.
draw_frame:
        push    es
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        mov     ax, 0x1BDA
        stosw
        mov     al, 0xC4
        mov     cx, 78
        rep     stosw
        mov     al, 0xBF
        stosw
        mov     cx, 23
.side:  mov     al, 0xB3
        stosw
        add     di, 156
        stosw
        loop    .side
        mov     al, 0xC0
        stosw
        mov     al, 0xC4
        mov     cx, 78
        rep     stosw
        mov     al, 0xD9
        stosw
        pop     es
        xor     dh, dh                  ; title centred in row 0
        mov     bl, 0x1E
        jmp     scr_centred

; The big "ox86": shadow first (offset one cell down and right), then the
; letters, rows 2-7 from column 17.
draw_banner:
        mov     word [row], 0x0312      ; DH row 3, DL column 18
        mov     bp, 1
        call    .pass
        mov     word [row], 0x0211
        xor     bp, bp
.pass:  push    es
        mov     ax, 0xB800
        mov     es, ax
        mov     si, banner_bits
        mov     cx, 6                   ; rows
.r:     push    cx
        mov     ax, [row]
        mov     bl, 160
        mov     al, ah
        mul     bl
        mov     di, ax
        mov     al, [row]
        xor     ah, ah
        shl     ax, 1
        add     di, ax
        xor     bx, bx                  ; letter
.l:     mov     cx, 5
.p:     cs lodsb
        cmp     al, '#'
        jne     .blank
        test    bp, bp
        jz      .letter
        mov     ax, 0x10DB              ; shadow: black block on blue
        jmp     .put
.letter:
        cs mov  ah, [banner_colours + bx]
        mov     al, 0xDB
.put:   stosw
        stosw
        jmp     .pnext
.blank: add     di, 4
.pnext: loop    .p
        add     di, 4                   ; gap between letters
        inc     bx
        cmp     bx, 4
        jb      .l
        inc     byte [row + 1]
        pop     cx
        loop    .r
        pop     es
        ret

draw_title:
        mov     si, title_frame
        call    draw_frame
        call    draw_banner
        mov     dh, 9
        mov     bl, 0x1F
        mov     si, subtitle
        call    scr_centred
        mov     dx, 0x0B03
        mov     bl, 0x1E
        mov     si, hdr_pc
        call    scr_cs
        mov     bx, buf_cpu
        mov     dx, 0x0C05
        call    info_line
        mov     bx, buf_ram
        mov     dx, 0x0D05
        call    info_line
        mov     bx, buf_video
        mov     dx, 0x0E05
        call    info_line
        mov     bx, buf_timer
        mov     dx, 0x0F05
        call    info_line
        mov     dx, 0x1103
        mov     bl, 0x1E
        mov     si, hdr_demo
        call    scr_cs
        mov     si, part_lines
        mov     dx, 0x1205
.part:  mov     bl, 0x17
        call    scr_cs
        inc     dh
        cmp     byte [cs:si], 0
        jne     .part
        mov     dh, 23
        mov     bl, 0x1A
        mov     si, any_key
        jmp     scr_centred

; Build a line with the routine BX and write it at row DH, column DL.
info_line:
        push    dx
        call    buf_reset
        call    bx
        pop     dx
        mov     bl, 0x1F
        jmp     scr_buf

draw_summary:
        mov     si, summary_frame
        call    draw_frame
        call    draw_banner
        mov     dh, 9
        mov     bl, 0x1F
        mov     si, subtitle
        call    scr_centred
        mov     dx, 0x0B03
        mov     bl, 0x1E
        mov     si, hdr_done
        call    scr_cs
        mov     bx, buf_mandel
        mov     dx, 0x0C05
        call    info_line
        mov     bx, buf_frames
        mov     dx, 0x0D05
        call    info_line
        mov     bx, buf_plasma
        mov     dx, 0x0E05
        call    info_line
        mov     bx, buf_ticks
        mov     dx, 0x0F05
        call    info_line
        mov     dx, 0x1103
        mov     bl, 0x1E
        mov     si, hdr_try
        call    scr_cs
        mov     si, try_lines
        mov     dx, 0x1205
.try:   mov     bl, 0x17
        call    scr_cs
        inc     dh
        cmp     byte [cs:si], 0
        jne     .try
        mov     dh, 22
        mov     bl, 0x1A
        mov     si, halting
        jmp     scr_centred

buf_mandel:
        mov     si, lbl_mandel
        call    buf_cs
        mov     ax, [mandel_pixels]
        call    buf_dec
        mov     si, txt_pixels
        call    buf_cs
        mov     ax, [iters]
        mov     dx, [iters + 2]
        call    buf_dec32
        mov     si, txt_iters
        call    buf_cs
        mov     ax, [mandel_ms]
        call    buf_dec
        mov     si, txt_ms
        jmp     buf_cs

buf_frames:
        mov     si, lbl_frames
        call    buf_cs
        mov     ax, [cycle_frames]
        call    buf_dec
        mov     si, txt_plasma
        call    buf_cs
        mov     ax, [plasma_frames]
        call    buf_dec
        mov     si, txt_frames
        jmp     buf_cs

buf_plasma:
        mov     si, lbl_plasma
        call    buf_cs
        mov     ax, [plasma_ms]
        call    buf_dec
        mov     si, txt_ms
        jmp     buf_cs

buf_ticks:
        mov     si, lbl_ticks
        call    buf_cs
        mov     ax, [ticks]
        call    buf_dec
        mov     si, txt_keys
        call    buf_cs
        mov     ax, [keys]
        jmp     buf_dec

console_summary:
        mov     bx, buf_mandel
        call    .line
        mov     bx, buf_frames
        call    .line
        mov     bx, buf_ticks
.line:  call    buf_reset
        call    bx
        jmp     console_buf

; ===========================================================================
; 2. The Mandelbrot set
; ===========================================================================

; z <- z^2 + c in 4.12 fixed point: a product of two 4.12 numbers is 8.24
; in DX:AX and (DX << 4) | (AX >> 12) is its 4.12 value when it fits.
; Before squaring, |zx| and |zy| are checked to be below 2 (else z has
; escaped), so the squares and 2 zx zy stay below 8.
%macro  FIX_MUL 1                       ; DX <- (AX * %1) >> 12, CL = 4
        imul    %1
        shl     dx, cl
        mov     al, ah
        shr     al, cl
        or      dl, al
%endmacro

mandelbrot:
        call    stopwatch_start
        mov     word [c_im], Y_START
        mov     word [ptr_top], 0
        mov     word [ptr_bot], 199 * 320
        mov     word [row], 100
        push    es
        mov     ax, 0xA000
        mov     es, ax
.row:   mov     word [c_re], X_START
        mov     word [col], 320
        mov     cl, 4
        mov     ax, [c_im]
        mov     bx, ax
        FIX_MUL bx
        mov     [y2], dx
.pixel: call    in_main_bulbs
        jc      .inside
        xor     si, si                  ; zx
        xor     di, di                  ; zy
        mov     bp, MAXITER
.iterate:
        mov     ax, si
        add     ax, 2 * FIX_ONE
        cmp     ax, 4 * FIX_ONE
        jae     .escaped                ; |zx| >= 2
        mov     ax, di
        add     ax, 2 * FIX_ONE
        cmp     ax, 4 * FIX_ONE
        jae     .escaped                ; |zy| >= 2
        mov     ax, si
        FIX_MUL si
        mov     bx, dx                  ; zx^2
        mov     ax, di
        FIX_MUL di                      ; zy^2
        mov     ax, bx
        add     ax, dx
        cmp     ax, 4 * FIX_ONE
        ja      .escaped                ; |z|^2 > 4
        sub     bx, dx
        add     bx, [c_re]              ; zx^2 - zy^2 + c_re
        mov     ax, si
        FIX_MUL di
        shl     dx, 1
        add     dx, [c_im]              ; 2 zx zy + c_im
        mov     di, dx
        mov     si, bx
        dec     bp
        jnz     .iterate
        mov     ax, MAXITER
        call    count_iters
.inside:
        xor     al, al
        jmp     .plot
.escaped:
        mov     ax, MAXITER
        sub     ax, bp                  ; 1..MAXITER-1
        call    count_iters
        mov     cl, 2
        shl     al, cl
        inc     al                      ; colour 1 + 4 n
.plot:  mov     di, [ptr_top]
        stosb
        mov     [ptr_top], di
        mov     di, [ptr_bot]
        stosb
        mov     [ptr_bot], di
        mov     cl, 4
        add     word [c_re], X_STEP
        dec     word [col]
        jnz     .pixel
        add     word [mandel_pixels], 640
        sub     word [ptr_bot], 640
        add     word [c_im], Y_STEP
        cmp     byte [skip], 0          ; a key: stop drawing
        jne     .key
        dec     word [row]
        jnz     .row
        jmp     .done
.key:   mov     byte [skip], 0
.done:  pop     es
        call    stopwatch_ms
        mov     [mandel_ms], ax
        ret

stopwatch_start:
        call    pit_read
        mov     [t0], bx
        mov     [c0], ax
        ret

; AX <- milliseconds since stopwatch_start: whole ticks plus the PIT count
; difference.
stopwatch_ms:
        call    pit_read
        mov     si, ax
        mov     ax, bx
        sub     ax, [t0]
        cmp     ax, 3000
        jbe     .ticks
        mov     ax, 3000                ; (keeps the quotient in 16 bits)
.ticks: mov     bx, PIT_DIVISOR
        mul     bx
        mov     cx, dx
        mov     bx, ax                  ; CX:BX = ticks * divisor
        mov     ax, [c0]
        sub     ax, si                  ; the counter counts down
        cwd
        add     ax, bx
        adc     dx, cx                  ; PIT clocks elapsed
        jns     .ms
        xor     ax, ax                  ; (a tick not yet counted)
        xor     dx, dx
.ms:    mov     bx, PIT_PER_MS
        div     bx
        ret

count_iters:
        add     [iters], ax
        adc     word [iters + 2], 0
        ret

; CF set when c = ([c_re], [c_im]) is in the main cardioid,
; q (q + x - 1/4) <= y^2 / 4 with q = (x - 1/4)^2 + y^2, or in the period-2
; bulb, (x + 1)^2 + y^2 <= 1/16. Needs CL = 4, [y2] = y^2; keeps CL.
in_main_bulbs:
        mov     ax, [c_re]
        add     ax, FIX_ONE
        mov     bx, ax
        FIX_MUL bx
        add     dx, [y2]
        cmp     dx, FIX_ONE / 16
        jbe     .inside
        mov     ax, [c_re]
        sub     ax, FIX_ONE / 4
        mov     si, ax                  ; x - 1/4
        FIX_MUL si
        add     dx, [y2]                ; q
        mov     ax, dx
        add     dx, si                  ; q + x - 1/4
        imul    dx                      ; DX:AX = q (q + x - 1/4), 8.24
        mov     si, ax
        mov     di, dx
        mov     ax, [y2]
        mov     bx, FIX_ONE / 4
        imul    bx                      ; y^2 / 4 in 8.24
        sub     ax, si
        sbb     dx, di
        jl      .outside                ; y^2/4 < q (q + x - 1/4)
.inside:
        stc
        ret
.outside:
        clc
        ret

mandel_report:
        call    buf_reset
        call    buf_mandel
        jmp     console_buf

; The picture on the debug console: 76 x 25 samples read back from video
; memory, '@' for points in the set, shades for the escape time.
ascii_preview:
        push    es
        mov     ax, 0xA000
        mov     es, ax
        mov     bx, 4 * 320 + 8         ; (8, 4)
        mov     cx, 25
.line:  push    cx
        push    bx
        mov     al, ' '
        out     DEBUGCON, al
        out     DEBUGCON, al
        mov     cx, 76
.col:   mov     al, [es:bx]
        test    al, al
        jz      .set
        dec     al
        shr     al, 1
        shr     al, 1                   ; n
        shr     al, 1                   ; n / 2
        cmp     al, SHADES_LEN - 1
        jbe     .shade
        mov     al, SHADES_LEN - 1
.shade: push    bx
        mov     bl, al
        xor     bh, bh
        cs mov  al, [shades + bx]
        pop     bx
        jmp     .put
.set:   mov     al, '@'
.put:   out     DEBUGCON, al
        add     bx, 4
        loop    .col
        mov     al, 10
        out     DEBUGCON, al
        pop     bx
        add     bx, 8 * 320
        pop     cx
        loop    .line
        pop     es
        ret

; Rotate the palette once per timer tick for CYCLE_TICKS (or to a key).
cycle_palette:
        mov     ax, [ticks]
        mov     [t0], ax
.frame: call    next_tick
        jc      .done
        mov     ax, [ticks]
        sub     ax, [t0]
        cmp     ax, CYCLE_TICKS
        jae     .done
        shl     ax, 1                   ; two entries per tick
        xor     dx, dx
        mov     bx, 255
        div     bx
        mov     ax, 255
        sub     ax, dx                  ; colours flow outwards
        cmp     ax, 255
        jb      .load
        xor     ax, ax
.load:  call    load_cycled
        inc     word [cycle_frames]
        jmp     .frame
.done:  ret

; ===========================================================================
; 3. Plasma, 32 bits per pixel through the Bochs VBE banked window
; ===========================================================================

plasma:
        DISPI   DISPI_ENABLE, 0
        DISPI   DISPI_XRES, 320
        DISPI   DISPI_YRES, 200
        DISPI   DISPI_BPP, 32
        DISPI   DISPI_ENABLE, 1         ; banked (no LFB flag), memory cleared
        DISPI   DISPI_VIRT_W, PLASMA_VW
        DISPI   DISPI_BANK, 0
        mov     word [bank], 0
        push    es
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        call    stopwatch_start
        xor     bx, bx
        mov     word [row], 0
.row:   mov     ax, [row]
        mov     [ylow], al
        shl     al, 1
        mov     bl, al
        cs mov  dl, [sine + bx]         ; q = S[2y]
        mov     ax, [row]
        shr     ax, 1
        add     al, 40
        mov     bl, al
        cs mov  dh, [sine + bx]         ; r = S[y/2 + 40]
        xor     cx, cx
.pixel: mov     bl, cl
        cs mov  al, [sine + bx]         ; a = S[x]
        add     bl, [ylow]
        cs mov  ah, [sine + bx]         ; b = S[x + y]
        mov     bl, al
        add     bl, ah
        add     bl, dl
        cs mov  bl, [sine + bx]
        shl     bl, 1                   ; blue = 2 S[a + b + q]
        add     ah, dh                  ; green = b + r
        add     al, dl                  ; red = a + q
        mov     bh, ah
        mov     [es:di], bx             ; blue, green
        xor     ah, ah
        mov     [es:di + 2], ax         ; red, 0
        xor     bh, bh
        add     di, 4
        jnz     .same_bank
        push    ax
        push    dx
        inc     word [bank]
        DISPI   DISPI_BANK, [bank]
        pop     dx
        pop     ax
.same_bank:
        inc     cx
        cmp     cx, PLASMA_VW
        jb      .pixel
        inc     word [row]
        cmp     word [row], PLASMA_VH
        jb      .row
        pop     es
        POST    0x50
        call    stopwatch_ms
        mov     [plasma_ms], ax
        call    buf_reset
        call    buf_plasma
        call    console_buf
        ; Pan the 320x200 view over the 640x400 virtual screen.
        mov     ax, [ticks]
        mov     [t0], ax
.frame: call    next_tick
        jc      .done
        mov     ax, [ticks]
        sub     ax, [t0]
        cmp     ax, PLASMA_TICKS
        jae     .done
        mov     cx, ax
        shl     ax, 1
        mov     bl, al
        xor     bh, bh
        cs mov  al, [sine + bx]         ; 1..127
        dec     al
        xor     ah, ah
        mov     bx, 5
        mul     bx
        shr     ax, 1                   ; 0..315
        mov     si, ax
        DISPI   DISPI_X_OFF, si
        mov     ax, cx
        mov     bx, 3
        mul     bx
        add     al, 64
        mov     bl, al
        xor     bh, bh
        cs mov  al, [sine + bx]
        dec     al
        xor     ah, ah
        mov     bx, 25
        mul     bx
        mov     cl, 4
        shr     ax, cl                  ; 0..196
        mov     si, ax
        DISPI   DISPI_Y_OFF, si
        inc     word [plasma_frames]
        jmp     .frame
.done:  DISPI   DISPI_ENABLE, 0
        ret

; ===========================================================================
; Output helpers: debug console, line buffer, text screen
; ===========================================================================

; puts: print the NUL-terminated string at CS:SI on the debug console.
puts:
        push    ax
.next:  cs lodsb
        test    al, al
        jz      .done
        out     DEBUGCON, al
        jmp     .next
.done:  pop     ax
        ret

; CX <- length of the string at CS:SI.
strlen:
        push    si
        push    ax
        xor     cx, cx
.next:  cs lodsb
        test    al, al
        jz      .done
        inc     cx
        jmp     .next
.done:  pop     ax
        pop     si
        ret

buf_reset:
        mov     word [bufp], buf
        mov     byte [buf], 0
        ret

; Append AL.
buf_putc:
        push    di
        mov     di, [bufp]
        mov     [di], al
        inc     di
        mov     byte [di], 0
        mov     [bufp], di
        pop     di
        ret

; Append the string at CS:SI.
buf_cs:
        cs lodsb
        test    al, al
        jz      .done
        call    buf_putc
        jmp     buf_cs
.done:  ret

; Append the string at DS:SI.
buf_ds:
        lodsb
        test    al, al
        jz      .done
        call    buf_putc
        jmp     buf_ds
.done:  ret

; Append AX in decimal.
buf_dec:
        xor     dx, dx
; Append DX:AX in decimal.
buf_dec32:
        push    bx
        push    cx
        push    si
        mov     si, 10
        xor     cx, cx
.divide:
        mov     bx, ax
        mov     ax, dx
        xor     dx, dx
        div     si                      ; high word / 10
        xchg    ax, bx                  ; BX = high quotient, AX = low word
        div     si                      ; (remainder:low) / 10
        push    dx
        inc     cx
        mov     dx, bx
        mov     bx, ax
        or      bx, dx
        jnz     .divide
.digit: pop     ax
        add     al, '0'
        call    buf_putc
        loop    .digit
        pop     si
        pop     cx
        pop     bx
        ret

; Append "0x" and AX in hexadecimal (4 digits).
buf_hex:
        push    cx
        push    bx
        mov     bx, ax
        mov     al, '0'
        call    buf_putc
        mov     al, 'x'
        call    buf_putc
        mov     cx, 4
.digit: push    cx
        mov     cl, 4
        rol     bx, cl
        pop     cx
        mov     al, bl
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .put
        add     al, 'A' - '0' - 10
.put:   call    buf_putc
        loop    .digit
        pop     bx
        pop     cx
        ret

; The line buffer on the debug console, indented, with a newline.
console_buf:
        mov     al, ' '
        out     DEBUGCON, al
        out     DEBUGCON, al
        mov     si, buf
.next:  lodsb
        test    al, al
        jz      .done
        out     DEBUGCON, al
        jmp     .next
.done:  mov     al, 10
        out     DEBUGCON, al
        ret

; Text at row DH, column DL, attribute BL: scr_cs from CS:SI (SI is left
; after the NUL), scr_buf from the line buffer.
scr_cs:
        push    es
        call    scr_addr
.next:  cs lodsb
        test    al, al
        jz      .done
        stosw
        jmp     .next
.done:  pop     es
        ret

scr_buf:
        push    es
        call    scr_addr
        mov     si, buf
.next:  lodsb
        test    al, al
        jz      .done
        stosw
        jmp     .next
.done:  pop     es
        ret

; scr_cs centred in row DH.
scr_centred:
        call    strlen
        mov     dl, 80
        sub     dl, cl
        shr     dl, 1
        jmp     scr_cs

; ES:DI <- B800 cell of row DH, column DL; AH <- BL.
scr_addr:
        push    dx
        mov     ax, 0xB800
        mov     es, ax
        mov     al, 160
        mul     dh
        pop     dx
        push    dx
        xor     dh, dh
        shl     dx, 1
        add     ax, dx
        mov     di, ax
        pop     dx
        mov     ah, bl
        ret

; ===========================================================================
; Data
; ===========================================================================

banner:     db  10
            db  "  ox86 built-in demo: a 64 KiB ROM running on an emulated x86 PC", 10
            db  "  (rebuild it from test-roms/demo/demo.asm; run your own with --bios FILE)", 10, 10, 0
msg_part1:  db  10, "  [1/4] VGA mode 3 (80x25 text, 9x16 font loaded into plane 2): title screen", 10, 0
msg_part2:  db  "  [2/4] VGA mode 13h (320x200, 256 colours): the Mandelbrot set in 4.12", 10
            db  "        fixed-point integer arithmetic, then palette cycling", 10, 0
msg_part3:  db  "  [3/4] Bochs VBE 320x200 at 32 bpp: a true-colour plasma on a 640x400", 10
            db  "        virtual screen, panned with the display offsets", 10, 0
msg_novbe:  db  "  [3/4] no Bochs VBE (DISPI) interface: no true-colour plasma", 10, 0
msg_part4:  db  "  [4/4] VGA mode 3: summary", 10, 0
goodbye:    db  10, "  Done: halting the CPU with interrupts disabled.", 10, 0

lbl_cpu:    db  "CPU: ", 0
cpu_names:  dw  cpu_8086, cpu_286, cpu_386, cpu_486, cpu_cpuid
cpu_8086:   db  "8086/8088 (FLAGS bits 12-15 stuck at 1)", 0
cpu_286:    db  "80286 (FLAGS bits 12-15 clear in real mode)", 0
cpu_386:    db  "80386 (no EFLAGS.AC)", 0
cpu_486:    db  "80486 without CPUID", 0
cpu_cpuid:  db  "CPUID vendor ", 0
txt_family: db  ", family ", 0
lbl_ram:    db  "RAM: ", 0
txt_ram1:   db  " KiB conventional, ", 0
txt_ram2:   db  " MiB in all (CMOS)", 0
lbl_video:  db  "Video: VGA", 0
txt_novbe:  db  ", no Bochs VBE", 0
txt_vbe1:   db  " + Bochs VBE (DISPI ID ", 0
txt_vbe2:   db  ", ", 0
txt_vbe3:   db  " MiB)", 0
lbl_timer:  db  "Timer: 8254 PIT channel 0 at 60 Hz, IRQ 0 via the 8259A; keys: IRQ 1", 0
lbl_mandel: db  "Mandelbrot set: ", 0
txt_pixels: db  " pixels, ", 0
txt_iters:  db  " iterations, ", 0
txt_ms:     db  " ms", 0
lbl_frames: db  "Palette cycling: ", 0
txt_plasma: db  " frames; plasma: ", 0
txt_frames: db  " frames", 0
lbl_plasma: db  "Plasma: 640x400 true-colour pixels drawn through 64 KiB banks in ", 0
lbl_ticks:  db  "Timer ticks: ", 0
txt_keys:   db  "; keys pressed: ", 0

title_frame:    db  " ox86 built-in demo ", 0
summary_frame:  db  " ox86 built-in demo: summary ", 0
subtitle:       db  "a pure-software x86 PC emulator written in Rust", 0
hdr_pc:         db  "This PC", 0
hdr_demo:       db  "The demo (a 64 KiB ROM that programs the hardware itself)", 0
part_lines:     db  "1. VGA text mode 3: this screen, font loaded into plane 2 by the ROM", 0
                db  "2. mode 13h: the Mandelbrot set in fixed point, then palette cycling", 0
                db  "3. Bochs VBE 320x200 at 32 bpp: a true-colour plasma, panned", 0
                db  "4. text mode again: a summary, then the CPU halts", 0, 0
any_key:        db  "Any key skips to the next part", 0
hdr_done:       db  "Done", 0
hdr_try:        db  "Try", 0
try_lines:      db  "ox86 run disk.img     ox86 run --cdrom some.iso     ox86 run --help", 0
                db  "ox86 run --bios FILE  (your own ROM; this one is test-roms/demo/demo.asm)", 0
                db  "ox86 run --kernel vmlinuz --initrd initrd.gz --append console=ttyS0", 0, 0
halting:        db  "The end: the CPU halts (cli; hlt). Close the window to quit.", 0

shades:     db  " .:-=+*#%"
SHADES_LEN  equ $ - shades

; The banner: 6 rows of the four 5x6 letters o, x, 8, 6.
banner_bits:
            db  ".....", ".....", ".###.", ".###."
            db  ".###.", "#...#", "#...#", "#...."
            db  "#...#", ".#.#.", ".###.", "####."
            db  "#...#", "..#..", "#...#", "#...#"
            db  "#...#", ".#.#.", "#...#", "#...#"
            db  ".###.", "#...#", ".###.", ".###."
banner_colours: db  0x1E, 0x1C, 0x1A, 0x1B

; DAC entry 0 of the Mandelbrot palette (the EGA palette and the mode
; tables are in vga_regs.inc).
black:      db  0, 0, 0

; The Mandelbrot colours: a cyclic gradient of 255 entries (DAC 1-255).
%macro GRAD 8                           ; from position %1 (r g b) to %5 (r g b)
%assign n %5 - %1
%assign k 0
%rep n
            db  %2 + ((%6 - %2) * k) // n, %3 + ((%7 - %3) * k) // n, %4 + ((%8 - %4) * k) // n
%assign k k + 1
%endrep
%endmacro
gradient:
            GRAD      0,  0,  4, 20,    40,  8, 30, 56
            GRAD     40,  8, 30, 56,    80, 63, 63, 63
            GRAD     80, 63, 63, 63,   120, 63, 48,  8
            GRAD    120, 63, 48,  8,   160, 50, 12,  0
            GRAD    160, 50, 12,  0,   200, 16,  0, 24
            GRAD    200, 16,  0, 24,   255,  0,  4, 20

; A parabolic approximation of 64 + 63 sin(2 pi i / 256), values 1-127.
sine:
%assign i 0
%rep 256
%assign t i % 128
%if i < 128
            db  64 + (t * (128 - t) * 63) / 4096
%else
            db  64 - (t * (128 - t) * 63) / 4096
%endif
%assign i i + 1
%endrep

; 8x16 glyphs, code page 437 (X11 misc-fixed, public domain; made by
; bios/src/firmware/rom/mkfont.py for the built-in BIOS).
font8x16:
%include "../../bios/src/firmware/rom/font8x16.inc"

; ---------------------------------------------------------------------------
; Reset vector at F000:FFF0 (linear FFFF0 and FFFFFFF0).
        times   0xFFF0 - ($ - $$) db 0xFF
reset:  jmp     0xF000:start
        times   0x10000 - ($ - $$) db 0xFF

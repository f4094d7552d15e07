; vga_modes.asm: a test ROM (BIOS replacement, see ../roms/common.inc) that
; programs the VGA itself, from the IBM VGA register tables of BIOS modes
; 03h, 13h and 12h (no INT 10h: there is no BIOS), and the Bochs VBE
; (DISPI) for a 32-bpp mode, and draws one scene in each:
;
;   1 "text"   mode 03h registers: 80x25 text, 9-dot cells, the 8x16 font
;              (the built-in BIOS's, bios/src/firmware/rom/font8x16.inc)
;              loaded into plane 2 by this ROM, the EGA palette in the DAC;
;              the 16 foreground and 8 background colours, blinking cells,
;              line-graphics characters (9th column), all 256 glyphs, and a
;              cursor (scan lines 13-14) after a prompt.
;   2 "mode13" mode 13h (320x200, 256 colours, chain-4) with a palette of
;              this ROM's own in the DAC: a 16x16 grid of every colour and a
;              gradient at the bottom.
;   3 "mode12" mode 12h (640x480, 16 colours, planar): colour bands drawn
;              with write mode 0 and the Map Mask, diagonal colour stripes
;              drawn pixel by pixel with write mode 2 and the Bit Mask
;              (latches keep the neighbours), and two lines over a white
;              area drawn the same way.
;   4 "vbe32"  Bochs VBE 320x200x32 through the linear framebuffer, whose
;              address comes from BAR0 of PCI device 1234:1111 (assigned
;              0xE0000000 here when the BAR is still 0): an RGB gradient.
;              The LFB is written in "unreal" mode (FS with a 4 GiB limit).
;   5 "modex"  VBE off; unchained 256-colour "Mode X" 320x240 (mode 13h
;              with chain-4 off, byte addressing, 480-line timing), two
;              pages drawn plane by plane through the Map Mask; the CRTC
;              start address shows page 1 (at 19200) above a split screen
;              (line compare 320 = output row 160) that shows page 0, and
;              the top part is panned by one pixel (Attribute 13h = 2; the
;              Attribute Mode pixel-panning-compatibility bit keeps the
;              split part unpanned). Colours: the mode 13h scene's palette.
;   6 "text80x50" 80x50 text with 8-dot cells (mode 03h registers with
;              SR1 01h, CR09 47h, cursor 6-7, AR13 0), the 8x8 font in
;              map 0 and the same glyphs inverted in map 1 (Character Map
;              Select 04h: attribute bit 3 picks map 1), Attribute Mode
;              blink off so attribute bit 7 gives 16 background colours;
;              the cursor in the last cell.
;   7 "mode04" CGA-compatible mode 04h (320x200, 4 colours, 2 bits per
;              pixel, even lines at B8000 and odd lines at BA000): four
;              vertical bands of colours 0-3 in rows 0-99, diagonal stripes
;              of colour ((x + y) >> 3) & 3 in rows 100-199. The DAC keeps
;              scene 6's 64-colour EGA table, so palette entries 13h/15h/17h
;              show as those EGA colours (a VGA BIOS loads a CGA-style DAC
;              table for 200-line modes, giving cyan/magenta/white).
;   8 "vbe16"  Bochs VBE 320x200 at 16 bpp (RGB 5:6:5) on a 640-pixel-wide
;              virtual screen shown from X offset 100, Y offset 20: squares
;              of 16x16 virtual pixels in the 8 colours whose channels are
;              all-off or all-on, colour ((vx >> 4) + 3 * (vy >> 4)) & 7.
;
; After each scene the ROM prints "SCENE n name" on the debug console,
; writes POST code 0x10+n on port 0x190 and waits until the host writes n to
; the byte at 0000:0500 (the test renders the VGA meanwhile). At the end it
; reports its few self-checks (PCI device found, DISPI ID) and exits through
; port 0xF4 as the other test ROMs do.
;
; Run by test-roms/tests/vga_modes.rs, which compares each scene with
; test-roms/golden/<name>.png. Build: test-roms/vga/build.sh (nasm); the
; .bin is committed.

%include "common.inc"

        cpu     386
; VGA port names (VGA_*), DISPI_INDEX/DATA, the DISPI macro, vga_set_regs,
; vga_load_dac and the tables vga_mode03, vga_mode13, vga_ega_palette
; (shared with the demo ROM); its code and data land here.
%include "../vga/vga_regs.inc"

ACK             equ 0x0500              ; byte: last scene the host captured
LFB             equ 0x0504              ; dword: the LFB address (scene 4)
PCI_ADDR        equ 0xCF8
PCI_DATA        equ 0xCFC

; SCENE n, "name": report the scene and wait for the host's acknowledgement.
%macro  SCENE 2
        PRINT   "SCENE ", %2, 10
        POST    0x10 + %1
%%wait: cmp     byte [ss:ACK], %1
        jb      %%wait
%endmacro

; OUTIDX port, index, value: one indexed register write.
%macro  OUTIDX 3
        mov     dx, %1
        mov     ax, ((%3) << 8) | (%2)
        call    out_idx
%endmacro

start:
        ROM_INIT
        mov     byte [ss:ACK], 0
        mov     al, 0x02                ; A20 on (port 92h), for the LFB
        out     0x92, al

; ---------------------------------------------------------------- scene 1
        mov     si, vga_mode03
        call    vga_set_regs
        call    load_ega_dac
        mov     si, font8x16            ; the 8x16 font into map 0
        xor     di, di
        mov     dx, 16
        xor     bl, bl
        call    load_glyphs
        ; Clear the screen: space on light grey.
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        mov     ax, 0x0720
        mov     cx, 80 * 25
        rep     stosw
        ; Row 0: title bar, white on blue, full width.
        xor     di, di
        mov     ax, 0x1F20
        mov     cx, 80
        rep     stosw
        mov     di, 2 * 1
        mov     ah, 0x1F
        mov     si, s_title
        call    puts_screen
        ; Row 2: the 16 foreground colours on black.
        mov     di, 2 * (2 * 80 + 1)
        mov     ah, 0x07
        mov     si, s_fg
        call    puts_screen
        mov     di, 2 * (2 * 80 + 14)
        xor     bx, bx
.fg:    mov     al, [cs:hexdigits + bx]
        mov     ah, bl
        stosw
        mov     al, 0xDB                ; full block
        stosw
        mov     ax, 0x0720
        stosw
        inc     bx
        cmp     bx, 16
        jb      .fg
        ; Row 4: the 8 background colours with white text.
        mov     di, 2 * (4 * 80 + 1)
        mov     ah, 0x07
        mov     si, s_bg
        call    puts_screen
        mov     di, 2 * (4 * 80 + 14)
        xor     bx, bx
.bg:    mov     ah, bl
        shl     ah, 4
        or      ah, 0x0F
        mov     al, ' '
        stosw
        mov     al, [cs:hexdigits + bx]
        stosw
        mov     al, ' '
        stosw
        inc     bx
        cmp     bx, 8
        jb      .bg
        ; Row 6: blinking cells (attribute bit 7 with Attribute Mode bit 3).
        mov     di, 2 * (6 * 80 + 1)
        mov     ah, 0x07
        mov     si, s_blink
        call    puts_screen
        mov     di, 2 * (6 * 80 + 14)
        mov     ah, 0x8E                ; blinking yellow on black
        mov     si, s_blinking
        call    puts_screen
        add     di, 2
        mov     ah, 0xCF                ; blinking white on red
        mov     si, s_blinking2
        call    puts_screen
        ; Rows 8-10: a box of line-graphics characters (C0h-DFh repeat
        ; their 8th column in the 9th).
        mov     di, 2 * (8 * 80 + 14)
        mov     ax, 0x0BDA              ; corner, light cyan
        stosw
        mov     al, 0xC4
        mov     cx, BOX_W
        rep     stosw
        mov     al, 0xBF
        stosw
        mov     di, 2 * (9 * 80 + 14)
        mov     al, 0xB3
        stosw
        mov     ah, 0x0E
        mov     si, s_box
        call    puts_screen
        mov     ah, 0x0B
        mov     di, 2 * (9 * 80 + 15 + BOX_W)
        mov     al, 0xB3
        stosw
        mov     di, 2 * (10 * 80 + 14)
        mov     al, 0xC0
        stosw
        mov     al, 0xC4
        mov     cx, BOX_W
        rep     stosw
        mov     al, 0xD9
        stosw
        ; Rows 12-15: all 256 glyphs, 64 per row, on dark blue.
        mov     di, 2 * (12 * 80 + 8)
        xor     bx, bx
.glyph: mov     al, bl
        mov     ah, 0x1E
        stosw
        inc     bx
        test    bx, 63
        jnz     .same_row
        add     di, 2 * (80 - 64)
.same_row:
        cmp     bx, 256
        jb      .glyph
        ; Row 18: a prompt and the cursor after it.
        mov     di, 2 * (18 * 80 + 0)
        mov     ah, 0x07
        mov     si, s_prompt
        call    puts_screen
        OUTIDX  VGA_CRTC_INDEX, 0x0E, (18 * 80 + 5) >> 8
        OUTIDX  VGA_CRTC_INDEX, 0x0F, (18 * 80 + 5) & 0xFF
        SCENE   1, "text"

; ---------------------------------------------------------------- scene 2
        mov     si, vga_mode13
        call    vga_set_regs
        ; Palette: red from the low nibble, green from the high nibble,
        ; blue from their XOR (6-bit DAC values).
        mov     dx, VGA_DAC_WINDEX
        xor     al, al
        out     dx, al
        inc     dx
        xor     bx, bx
.pal:   mov     al, bl
        and     al, 0x0F
        shl     al, 2
        out     dx, al
        mov     al, bl
        shr     al, 4
        shl     al, 2
        out     dx, al
        mov     al, bl
        mov     ah, bl
        shr     ah, 4
        xor     al, ah
        and     al, 0x0F
        shl     al, 2
        out     dx, al
        inc     bx
        cmp     bx, 256
        jb      .pal
        ; Rows 0-191: 16 rows of 16 cells of 20x12 pixels, colour
        ; 16 * cell row + cell column.
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        xor     bx, bx                  ; y
.row13: mov     ax, bx
        mov     cl, 12
        div     cl                      ; al = y / 12
        shl     al, 4
        mov     dl, al
.cell:  mov     al, dl
        mov     cx, 20
        rep     stosb
        inc     dl
        test    dl, 0x0F
        jnz     .cell
        inc     bx
        cmp     bx, 192
        jb      .row13
        ; Rows 192-199: colour x * 4 / 5 (0-255 across the screen).
.grad13:
        xor     cx, cx                  ; x
.gx:    mov     ax, cx
        shl     ax, 2
        xor     dx, dx
        mov     si, 5
        div     si
        stosb
        inc     cx
        cmp     cx, 320
        jb      .gx
        inc     bx
        cmp     bx, 200
        jb      .grad13
        SCENE   2, "mode13"

; ---------------------------------------------------------------- scene 3
        mov     si, mode12
        call    vga_set_regs
        call    load_ega_dac
        mov     ax, 0xA000
        mov     es, ax
        ; Clear all four planes (write mode 0, Map Mask 0Fh, Bit Mask FFh).
        xor     di, di
        xor     ax, ax
        mov     cx, 80 * 480 / 2
        rep     stosw
        ; Rows 0-255, left half: 16 bands of 16 lines; band c is written
        ; with Map Mask = c, so only planes of colour c get the 1 bits.
        xor     bx, bx                  ; band = colour
.band:  mov     ah, bl
        mov     al, 0x02                ; Map Mask
        mov     dx, VGA_SEQ_INDEX
        call    out_idx
        mov     ax, bx
        mov     cx, 16 * 80
        mul     cx
        mov     di, ax
        mov     dx, 16                  ; lines
.bline: mov     cx, 40 / 2
        mov     ax, 0xFFFF
        rep     stosw
        add     di, 40
        dec     dx
        jnz     .bline
        inc     bx
        cmp     bx, 16
        jb      .band
        OUTIDX  VGA_SEQ_INDEX, 0x02, 0x0F
        ; Write mode 2 (Graphics Mode 05h = 02h).
        OUTIDX  VGA_GC_INDEX, 0x05, 0x02
        ; Rows 0-255, right half: pixel (x, y) gets colour ((x + y) >> 4)
        ; & 15, one pixel at a time through the Bit Mask.
        xor     bx, bx                  ; y
.drow:  mov     si, 320                 ; x
.dpix:  mov     ax, si
        add     ax, bx
        shr     ax, 4
        and     al, 0x0F
        mov     cl, al                  ; colour
        mov     ax, si
        and     al, 7
        xchg    ax, cx                  ; cl = x & 7, al = colour
        mov     ah, 0x80
        shr     ah, cl
        push    ax
        mov     al, 0x08                ; Bit Mask
        mov     dx, VGA_GC_INDEX
        call    out_idx
        pop     ax
        ; di = y * 80 + x / 8
        push    ax
        mov     ax, bx
        mov     dx, 80
        mul     dx
        mov     di, si
        shr     di, 3
        add     di, ax
        pop     ax
        mov     ah, [es:di]             ; load the latches
        mov     [es:di], al
        inc     si
        cmp     si, 640
        jb      .dpix
        inc     bx
        cmp     bx, 256
        jb      .drow
        ; Rows 256-479: white (write mode 2, Bit Mask FFh, colour 15).
        OUTIDX  VGA_GC_INDEX, 0x08, 0xFF
        mov     di, 256 * 80
        mov     al, 0x0F
        mov     cx, 224 * 80
        rep     stosb
        ; Two lines over it: (2t, 256+t) in blue and (639-2t, 256+t) in
        ; red, t = 0..223, through the Bit Mask (the latches keep the white).
        xor     bx, bx                  ; t
.line:  mov     si, bx
        shl     si, 1
        mov     al, 0x01
        call    plot12
        mov     si, 639
        sub     si, bx
        sub     si, bx
        mov     al, 0x04
        call    plot12
        inc     bx
        cmp     bx, 224
        jb      .line
        OUTIDX  VGA_GC_INDEX, 0x08, 0xFF
        OUTIDX  VGA_GC_INDEX, 0x05, 0x00
        SCENE   3, "mode12"

; ---------------------------------------------------------------- scene 4
        call    find_vga_lfb            ; ebp = LFB address
        mov     [ss:LFB], ebp
        call    unreal
        DISPI   0x00, 0xB0C5            ; ask for the newest interface
        mov     dx, DISPI_DATA
        in      ax, dx
        CHECK   "DISPI ID reads back B0C5", 0xB0C5
        DISPI   0x04, 0x0000            ; disable to change the mode
        DISPI   0x01, 320
        DISPI   0x02, 200
        DISPI   0x03, 32
        DISPI   0x04, 0x0041            ; enabled, LFB
        ; Pixel (x, y) = R x*4/5, G y*5/4, B 255 - R.
        mov     edi, ebp
        xor     bx, bx                  ; y
.vrow:  mov     ax, bx
        mov     cx, 5
        mul     cx
        shr     ax, 2
        movzx   ebp, al                 ; green, for the row
        shl     ebp, 8
        xor     cx, cx                  ; x
.vpix:  mov     ax, cx
        shl     ax, 2
        xor     dx, dx
        push    cx
        mov     cx, 5
        div     cx
        pop     cx
        movzx   eax, al                 ; red
        mov     edx, 255
        sub     edx, eax                ; blue
        shl     eax, 16
        or      eax, ebp
        or      eax, edx
        mov     [fs:edi], eax
        add     edi, 4
        inc     cx
        cmp     cx, 320
        jb      .vpix
        inc     bx
        cmp     bx, 200
        jb      .vrow
        SCENE   4, "vbe32"

; ---------------------------------------------------------------- scene 5
        DISPI   0x04, 0x0000            ; VBE off: the VGA shows again
        mov     si, modex
        call    vga_set_regs
        mov     ax, 0xA000
        mov     es, ax
        xor     cx, cx                  ; plane p (pixels x = 4i + p)
.xplane:
        mov     ah, 1
        shl     ah, cl
        mov     al, 0x02                ; Map Mask: plane p
        mov     dx, VGA_SEQ_INDEX
        call    out_idx
        ; Page 1 at 19200: colour (x & 0Fh) | (y >> 4) << 4.
        mov     di, 19200
        xor     bx, bx                  ; y
.x1row: xor     si, si                  ; i
.x1pix: mov     ax, si
        shl     ax, 2
        add     al, cl
        and     al, 0x0F
        mov     ah, bl
        and     ah, 0xF0
        or      al, ah
        stosb
        inc     si
        cmp     si, 80
        jb      .x1pix
        inc     bx
        cmp     bx, 240
        jb      .x1row
        ; Page 0 at 0: colour ((x >> 4) & 0Fh) << 4 | (y >> 3) & 0Fh.
        xor     di, di
        xor     bx, bx
.x0row: xor     si, si
.x0pix: mov     ax, si
        shr     ax, 2                   ; x >> 4 (p < 4)
        and     al, 0x0F
        shl     al, 4
        mov     ah, bl
        shr     ah, 3
        and     ah, 0x0F
        or      al, ah
        stosb
        inc     si
        cmp     si, 80
        jb      .x0pix
        inc     bx
        cmp     bx, 240
        jb      .x0row
        inc     cl
        cmp     cl, 4
        jb      .xplane
        OUTIDX  VGA_SEQ_INDEX, 0x02, 0x0F
        OUTIDX  VGA_CRTC_INDEX, 0x0C, 19200 >> 8    ; start address: page 1
        OUTIDX  VGA_CRTC_INDEX, 0x0D, 19200 & 0xFF
        OUTIDX  VGA_CRTC_INDEX, 0x18, 320 & 0xFF    ; line compare 320 (bit 8
                                                ; in CR07 bit 4, bit 9 in
                                                ; CR09 bit 6 = 0)
        mov     dx, VGA_STATUS1
        in      al, dx
        mov     dx, VGA_ATTR
        mov     al, 0x20 | 0x13         ; Horizontal Pixel Panning
        out     dx, al
        mov     al, 0x02                ; one pixel in 256-colour modes
        out     dx, al
        SCENE   5, "modex"

; ---------------------------------------------------------------- scene 6
        mov     si, text80x50
        call    vga_set_regs
        call    load_ega_dac
        mov     si, font8x8             ; map 0: the 8x8 font
        xor     di, di
        mov     dx, 8
        xor     bl, bl
        call    load_glyphs
        mov     si, font8x8             ; map 1: inverted
        mov     di, 0x4000
        mov     bl, 0xFF
        call    load_glyphs
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        mov     ax, 0x0720
        mov     cx, 80 * 50
        rep     stosw
        ; Row 0: title, black on grey.
        xor     di, di
        mov     ax, 0x7020
        mov     cx, 80
        rep     stosw
        mov     di, 2 * 1
        mov     ah, 0x70
        mov     si, s_title50
        call    puts_screen
        ; Rows 2-17: background b = 0..15 (bit 7 = intensity), grey text in
        ; map 0's font then white text in map 1's (inverted) font.
        xor     bx, bx
.bgrow: mov     ax, bx
        add     ax, 2
        mov     cx, 160
        mul     cx
        mov     di, ax
        mov     ah, bl
        shl     ah, 4
        or      ah, 0x07
        mov     al, ' '
        mov     cx, 80
        push    di
        rep     stosw
        pop     di
        add     di, 2 * 2
        mov     al, [cs:hexdigits + bx]
        stosw
        mov     si, s_font_b
        call    puts_screen
        or      ah, 0x08
        mov     si, s_font_a
        call    puts_screen
        inc     bx
        cmp     bx, 16
        jb      .bgrow
        ; Rows 20-49: characters (r * 80 + c) & FFh, attribute c / 5 on
        ; black (fonts alternate with attribute bit 3).
        mov     di, 2 * (20 * 80)
        xor     dx, dx                  ; r * 80 + c
.chars: mov     ax, dx
        mov     cl, 80
        div     cl                      ; ah = c
        mov     al, ah
        xor     ah, ah
        mov     cl, 5
        div     cl                      ; al = c / 5
        mov     ah, al
        mov     al, dl
        stosw
        inc     dx
        cmp     dx, 30 * 80
        jb      .chars
        OUTIDX  VGA_CRTC_INDEX, 0x0E, (49 * 80 + 79) >> 8
        OUTIDX  VGA_CRTC_INDEX, 0x0F, (49 * 80 + 79) & 0xFF
        SCENE   6, "text80x50"

; ---------------------------------------------------------------- scene 7
        mov     si, mode04
        call    vga_set_regs
        mov     ax, 0xB800
        mov     es, ax
        xor     bx, bx                  ; y
.cgarow:
        mov     di, bx                  ; (y & 1) * 2000h + (y >> 1) * 80
        shr     di, 1
        imul    di, di, 80
        test    bl, 1
        jz      .even
        add     di, 0x2000
.even:  xor     si, si                  ; x, four pixels a byte
.cgabyte:
        xor     dl, dl                  ; the byte
        mov     cx, 4
.cgapix:
        cmp     bx, 100
        jae     .diag
        mov     ax, si                  ; colour x / 80
        push    dx
        xor     dx, dx
        push    bx
        mov     bx, 80
        div     bx
        pop     bx
        pop     dx
        jmp     .put
.diag:  mov     ax, si                  ; colour ((x + y) >> 3) & 3
        add     ax, bx
        shr     ax, 3
        and     al, 3
.put:   shl     dl, 2
        or      dl, al
        inc     si
        loop    .cgapix
        mov     al, dl
        stosb
        cmp     si, 320
        jb      .cgabyte
        inc     bx
        cmp     bx, 200
        jb      .cgarow
        SCENE   7, "mode04"

; ---------------------------------------------------------------- scene 8
        DISPI   0x04, 0x0000
        DISPI   0x01, 320
        DISPI   0x02, 200
        DISPI   0x03, 16
        DISPI   0x04, 0x0041            ; enabled, LFB (clears the memory)
        DISPI   0x06, 640               ; virtual width
        DISPI   0x08, 100               ; X offset
        DISPI   0x09, 20                ; Y offset
        mov     edi, [ss:LFB]
        xor     bx, bx                  ; vy
.v16row:
        xor     cx, cx                  ; vx
.v16pix:
        mov     ax, cx
        shr     ax, 4
        mov     dx, bx
        shr     dx, 4
        add     ax, dx
        add     ax, dx
        add     ax, dx
        and     ax, 7
        mov     si, ax
        shl     si, 1
        mov     ax, [cs:rgb565 + si]
        mov     [fs:edi], ax
        add     edi, 2
        inc     cx
        cmp     cx, 640
        jb      .v16pix
        inc     bx
        cmp     bx, 240
        jb      .v16row
        SCENE   8, "vbe16"
        jmp     finish

; ---------------------------------------------------------------- helpers

; out_idx: write AH to indexed register AL at ports DX (index), DX+1.
out_idx:
        out     dx, al
        inc     dx
        xchg    al, ah
        out     dx, al
        xchg    al, ah
        dec     dx
        ret

; load_ega_dac: DAC entries 0-63 = the 64 EGA colours (vga_ega_palette).
; Preserves all registers.
load_ega_dac:
        pusha
        mov     si, vga_ega_palette
        mov     cx, 64
        call    vga_load_dac
        popa
        ret

; load_glyphs: copy 256 glyphs of DX bytes from CS:SI into plane 2 at
; offset DI (32 bytes per glyph), each byte XOR BL, with the sequencer and
; graphics controller set for plane access, then restore the text-mode
; values of modes 03h and this ROM's 80x50 mode.
load_glyphs:
        pusha
        push    es
        push    dx
        OUTIDX  VGA_SEQ_INDEX, 0x02, 0x04   ; Map Mask: plane 2
        OUTIDX  VGA_SEQ_INDEX, 0x04, 0x07   ; sequential, extended memory
        OUTIDX  VGA_GC_INDEX, 0x04, 0x02    ; Read Map Select: plane 2
        OUTIDX  VGA_GC_INDEX, 0x05, 0x00    ; write mode 0, no odd/even
        OUTIDX  VGA_GC_INDEX, 0x06, 0x04    ; A0000-AFFFF, no chaining
        pop     dx
        mov     ax, 0xA000
        mov     es, ax
        mov     bp, 256
.glyph: mov     cx, dx
.byte:  mov     al, [cs:si]
        xor     al, bl
        stosb
        inc     si
        loop    .byte
        add     di, 32
        sub     di, dx
        dec     bp
        jnz     .glyph
        OUTIDX  VGA_SEQ_INDEX, 0x02, 0x03
        OUTIDX  VGA_SEQ_INDEX, 0x04, 0x02
        OUTIDX  VGA_GC_INDEX, 0x04, 0x00
        OUTIDX  VGA_GC_INDEX, 0x05, 0x10
        OUTIDX  VGA_GC_INDEX, 0x06, 0x0E
        pop     es
        popa
        ret

; puts_screen: the NUL-terminated string at CS:SI to ES:DI with attribute
; AH; SI and DI end after the string.
puts_screen:
.next:  cs lodsb
        test    al, al
        jz      .done
        stosw
        jmp     .next
.done:  ret

; plot12: in write mode 2, pixel (SI, 256 + BX) of mode 12h gets colour AL.
plot12:
        pusha
        mov     bp, ax                  ; colour
        mov     cx, si
        and     cl, 7
        mov     ah, 0x80
        shr     ah, cl
        mov     al, 0x08                ; Bit Mask
        mov     dx, VGA_GC_INDEX
        call    out_idx
        lea     ax, [bx + 256]
        mov     dx, 80
        mul     dx
        shr     si, 3
        add     si, ax
        mov     al, [es:si]             ; load the latches
        mov     ax, bp
        mov     [es:si], al
        popa
        ret

; find_vga_lfb: EBP = the LFB address from BAR0 of PCI 1234:1111 on bus 0
; (assigning 0xE0000000 and enabling memory decoding when needed).
find_vga_lfb:
        mov     ebx, 0x80000000         ; bus 0, device 0, function 0
.dev:   mov     eax, ebx
        mov     dx, PCI_ADDR
        out     dx, eax
        mov     dx, PCI_DATA
        in      eax, dx
        cmp     eax, 0x11111234
        je      .found
        add     ebx, 0x800              ; next device
        cmp     ebx, 0x80010000
        jb      .dev
        mov     ax, 0
        CHECK   "PCI VGA 1234:1111 found", 1
        jmp     finish
.found: mov     ax, 1
        CHECK   "PCI VGA 1234:1111 found", 1
        lea     eax, [ebx + 0x10]       ; BAR0
        mov     dx, PCI_ADDR
        out     dx, eax
        mov     dx, PCI_DATA
        in      eax, dx
        and     eax, 0xFFFFFFF0
        jnz     .assigned
        mov     eax, 0xE0000000
        out     dx, eax
.assigned:
        mov     ebp, eax
        lea     eax, [ebx + 0x04]       ; Command
        mov     dx, PCI_ADDR
        out     dx, eax
        mov     dx, PCI_DATA
        in      ax, dx
        or      ax, 0x0002              ; memory space
        out     dx, ax
        ret

; unreal: FS = a flat data segment with a 4 GiB limit, back in real mode.
unreal:
        o32 lgdt [cs:gdt_ptr]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     .pm
.pm:    mov     ax, 0x08
        mov     fs, ax
        mov     eax, cr0
        and     al, 0xFE
        mov     cr0, eax
        jmp     .rm
.rm:    ret                             ; FS keeps its 4 GiB limit

        align   8
gdt:    dq      0
        dq      0x00CF92000000FFFF      ; flat 4 GiB data, base 0
gdt_ptr:
        dw      gdt_ptr - gdt - 1
        dd      ROM_BASE + gdt

s_title:    db  "ox86 VGA golden test: mode 03h registers, 80x25 text, 9-dot cells", 0
s_fg:       db  "Foreground:", 0
s_bg:       db  "Background:", 0
s_blink:    db  "Blink:", 0
s_blinking: db  "blinking", 0
s_blinking2: db "blinking on red", 0
s_box:      db  " line graphics: 9th column ", 0
BOX_W       equ $ - s_box - 1
s_prompt:   db  "C:\> ", 0
s_title50:  db  "80x50 text: 8x8 font, 8-dot cells, 16 backgrounds, two fonts (512 characters)", 0
s_font_b:   db  " background, attribute bit 3 clear: map 0 font ", 0
s_font_a:   db  " bit 3 set: map 1 (inverted) ", 0
hexdigits:  db  "0123456789ABCDEF"
; Black, blue, green, cyan, red, magenta, yellow, white in RGB 5:6:5.
rgb565:     dw  0x0000, 0x001F, 0x07E0, 0x07FF, 0xF800, 0xF81F, 0xFFE0, 0xFFFF

; More IBM VGA register tables (vga_set_regs's layout, as vga_mode03 and
; vga_mode13 in vga_regs.inc): Misc Output, SR0-SR4, CR00-CR18, GR0-GR8,
; AR00-AR14.
mode12: db      0xE3
        db      0x03, 0x01, 0x0F, 0x00, 0x06
        db      0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E
        db      0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
        db      0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF
        db      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF
        db      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07
        db      0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F
        db      0x01, 0x00, 0x0F, 0x00, 0x00
; Mode X (320x240, unchained): mode 13h with SR4 06h (chain-4 off), CR14
; 00h and CR17 E3h (byte addressing), the 480-line timing of mode 12h
; (misc E3h, CR06/07/10/11/12/15/16), CR09 01h (line compare bit 9 clear)
; and AR10 61h (pixel panning compatibility: the split is not panned).
modex:  db      0xE3
        db      0x03, 0x01, 0x0F, 0x00, 0x06
        db      0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0D, 0x3E
        db      0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
        db      0xEA, 0xAC, 0xDF, 0x28, 0x00, 0xE7, 0x06, 0xE3, 0xFF
        db      0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF
        db      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
        db      0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F
        db      0x61, 0x00, 0x0F, 0x00, 0x00

; 80x50 text: mode 03h with misc 63h (25 MHz dot clock), SR1 01h (8-dot),
; SR3 04h (map 1 for attribute bit 3), CR09 47h (8 scan lines), cursor
; CR0A/0B 06h/07h, AR10 04h (no blink) and AR13 00h.
text80x50:
        db      0x63
        db      0x03, 0x01, 0x03, 0x04, 0x02
        db      0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F
        db      0x00, 0x47, 0x06, 0x07, 0x00, 0x00, 0x00, 0x00
        db      0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF
        db      0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF
        db      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07
        db      0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F
        db      0x04, 0x00, 0x0F, 0x00, 0x00

; Mode 04h (IBM table): CGA 320x200 4-colour graphics, double-scanned,
; CGA interleave (CR17 bit 0 clear), shift register interleave (GR5 30h),
; palette 1 high intensity in the attribute controller.
mode04: db      0x63
        db      0x03, 0x09, 0x03, 0x00, 0x02
        db      0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F
        db      0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
        db      0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF
        db      0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF
        db      0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07
        db      0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17
        db      0x01, 0x00, 0x03, 0x00, 0x00

font8x16:
%include "font8x16.inc"
font8x8:
%include "font8x8.inc"

        ROM_END

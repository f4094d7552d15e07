; fdc_dma.asm: the 82077AA floppy controller and the 8237A DMA controller
; as a PC BIOS drives them, with a 1.44M image in drive A whose every sector
; starts with its LBA (a little-endian word) and whose boot sector ends in
; 55 AA:
; - reset through the DOR, the polling interrupt on IRQ6 and the four
;   SENSE INTERRUPT STATUS results (ST0 = C0h..C3h), VERSION = 90h;
; - SPECIFY (DMA mode), RECALIBRATE and SEEK each end with an IRQ6 and a
;   SENSE INTERRUPT STATUS (SE, PCN);
; - 8237 channel 4 in cascade mode, channel 2 programmed for a write
;   transfer of 512 bytes to 0000:8000 (mask, flip-flop, mode, address,
;   page, count, unmask); READ DATA of C0 H0 R1 ends at TC: ST0-ST2 = 0,
;   R = 2; the boot sector is in memory; the 8237 status shows TC on
;   channel 2 and the channel masked itself;
; - WRITE DATA of C1 H1 R18 from 0000:9000 (read transfer), then READ DATA
;   of the same sector into 0000:A000 with the MT bit (TC on the last
;   sector of side 1: the result names C2 H0 R1);
; - READ ID after the seek names cylinder 1.
;
; 82077AA datasheet (§5 command set, Table 5-6), 8237A datasheet, IBM PC AT
; Technical Reference (DMA page registers, IRQ6).
;
;   ox86 run --bios fdc_dma.bin --fda floppy.img --exit-port 0xf4

%include "common.inc"

IRQ_FLAG        equ SCRATCH             ; byte: IRQ6 seen
RESULT          equ SCRATCH + 0x10      ; 7 result bytes
VEC_IRQ6        equ 0x0E
FDC_DOR         equ 0x3F2
FDC_MSR         equ 0x3F4
FDC_FIFO        equ 0x3F5
FDC_CCR         equ 0x3F7
BUF_READ        equ 0x8000
BUF_WRITE       equ 0x9000
BUF_BACK        equ 0xA000

start:
        ROM_INIT
        mov     word [VEC_IRQ6 * 4], irq6
        mov     word [VEC_IRQ6 * 4 + 2], 0xF000

        ; Master 8259A at vector 08h, only IRQ6 unmasked.
        mov     al, 0x11
        out     0x20, al
        mov     al, 0x08
        out     0x21, al
        mov     al, 0x04
        out     0x21, al
        mov     al, 0x01
        out     0x21, al
        mov     al, 0xBF
        out     0x21, al

        ; 8237: channel 4 (DMA1's cascade) in cascade mode, unmasked.
        mov     al, 0xC0
        out     0xD6, al
        xor     al, al
        out     0xD4, al
        POST    0x10

        ; Reset the FDC, then out of reset with motor A, DMA gate, drive 0.
        mov     byte [IRQ_FLAG], 0
        mov     dx, FDC_DOR
        xor     al, al
        out     dx, al
        mov     al, 0x1C
        out     dx, al
        call    wait_irq
        CHECK   "IRQ6 after reset", 1
        xor     bx, bx
.sense: mov     al, 0x08
        call    fdc_out
        call    fdc_in
        mov     ah, 0
        mov     cx, ax
        call    fdc_in                  ; PCN
        mov     ax, cx
        mov     cx, bx
        or      cl, 0xC0
        cmp     ax, cx
        jne     .bad
        inc     bx
        cmp     bx, 4
        jb      .sense
.bad:   mov     ax, bx
        CHECK   "four polling statuses C0h..C3h", 4
        mov     al, 0x10                ; VERSION
        call    fdc_out
        call    fdc_in
        mov     ah, 0
        CHECK   "VERSION is 90h", 0x90
        POST    0x20

        ; SPECIFY: SRT/HUT, HLT, DMA mode; 500 kbit/s.
        mov     al, 0x03
        call    fdc_out
        mov     al, 0xDF
        call    fdc_out
        mov     al, 0x02
        call    fdc_out
        mov     dx, FDC_CCR
        xor     al, al
        out     dx, al

        ; RECALIBRATE drive 0.
        mov     al, 0x07
        call    fdc_out
        xor     al, al
        call    fdc_out
        call    wait_irq
        call    sense
        CHECK   "RECALIBRATE: ST0 SE, PCN 0", 0x2000
        POST    0x30

        ; Channel 2: write transfer (FDC -> memory) of 512 bytes to 0:8000.
        mov     bx, BUF_READ
        mov     al, 0x46
        call    dma_setup
        mov     si, cmd_read_boot
        call    fdc_command
        call    wait_irq
        call    results
        mov     ax, [RESULT]
        CHECK   "READ DATA: ST0, ST1", 0x0000
        mov     ax, [RESULT + 2]
        CHECK   "READ DATA: ST2, C", 0x0000
        mov     ax, [RESULT + 4]
        CHECK   "READ DATA: H, R (next sector)", 0x0200
        mov     al, [RESULT + 6]
        mov     ah, 0
        CHECK   "READ DATA: N", 2
        mov     ax, [BUF_READ]
        CHECK   "boot sector: LBA 0", 0
        mov     ax, [BUF_READ + 510]
        CHECK   "boot sector: 55 AA", 0xAA55
        in      al, 0x08
        and     ax, 0x04
        CHECK   "8237 status: TC on channel 2", 0x04
        in      al, 0x08
        and     ax, 0x04
        CHECK   "8237 status: TC bits clear on read", 0
        POST    0x40

        ; SEEK to cylinder 1.
        mov     al, 0x0F
        call    fdc_out
        mov     al, 0x04                ; head 1, drive 0
        call    fdc_out
        mov     al, 1
        call    fdc_out
        call    wait_irq
        call    sense
        CHECK   "SEEK: ST0 SE, PCN 1", 0x2001

        ; READ ID on head 1.
        mov     al, 0x4A
        call    fdc_out
        mov     al, 0x04
        call    fdc_out
        call    wait_irq
        call    results
        mov     ax, [RESULT + 2]
        CHECK   "READ ID: ST2, C", 0x0100
        mov     ax, [RESULT + 4]
        CHECK   "READ ID: H, R", 0x0101
        POST    0x50

        ; WRITE DATA C1 H1 R18 from 0:9000 (read transfer: memory -> FDC).
        mov     di, BUF_WRITE
        mov     cx, 256
        mov     ax, 0xF00D
        rep     stosw
        mov     word [BUF_WRITE], 0x1234
        mov     bx, BUF_WRITE
        mov     al, 0x4A
        call    dma_setup
        mov     si, cmd_write
        call    fdc_command
        call    wait_irq
        call    results
        mov     ax, [RESULT]
        CHECK   "WRITE DATA: ST0 (head 1), ST1", 0x0004
        mov     ax, [RESULT + 4]
        CHECK   "WRITE DATA: H, R (EOT on side 1: H0 R1)", 0x0100

        ; Read it back into 0:A000 with MT.
        mov     bx, BUF_BACK
        mov     al, 0x46
        call    dma_setup
        mov     si, cmd_read_back
        call    fdc_command
        call    wait_irq
        call    results
        mov     ax, [RESULT + 2]
        CHECK   "MT READ: ST2, C (next cylinder)", 0x0200
        mov     ax, [RESULT + 4]
        CHECK   "MT READ: H, R (side 0, R1)", 0x0100
        mov     ax, [BUF_BACK]
        CHECK   "written sector read back", 0x1234
        mov     ax, [BUF_BACK + 510]
        CHECK   "written sector tail", 0xF00D
        POST    0x60

        ; Motor off, reset.
        mov     dx, FDC_DOR
        mov     al, 0x0C
        out     dx, al
        jmp     finish

; 9-byte commands.
cmd_read_boot:  db 0x66, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF
cmd_write:      db 0xC5, 0x04, 1, 1, 18, 2, 18, 0x1B, 0xFF
cmd_read_back:  db 0xE6, 0x04, 1, 1, 18, 2, 18, 0x1B, 0xFF

; irq6: note the interrupt, EOI.
irq6:
        push    ax
        mov     byte [ss:IRQ_FLAG], 1
        mov     al, 0x20
        out     0x20, al
        pop     ax
        iret

; wait_irq: wait (HLT) for IRQ6; AX = 1 if it came. Clears the flag.
wait_irq:
        mov     cx, 1000
.w:     cmp     byte [IRQ_FLAG], 0
        jne     .got
        sti
        hlt
        cli
        loop    .w
        xor     ax, ax
        ret
.got:   mov     byte [IRQ_FLAG], 0
        mov     ax, 1
        ret

; fdc_out: send AL when MSR says RQM = 1, DIO = 0.
fdc_out:
        push    cx
        push    dx
        mov     ah, al
        mov     cx, 0xFFFF
        mov     dx, FDC_MSR
.w:     in      al, dx
        and     al, 0xC0
        cmp     al, 0x80
        je      .go
        loop    .w
.go:    mov     al, ah
        mov     dx, FDC_FIFO
        out     dx, al
        pop     dx
        pop     cx
        ret

; fdc_in: AL = next result byte (RQM = 1, DIO = 1); 0xFF on timeout.
fdc_in:
        push    cx
        push    dx
        mov     cx, 0xFFFF
        mov     dx, FDC_MSR
.w:     in      al, dx
        and     al, 0xC0
        cmp     al, 0xC0
        je      .go
        loop    .w
        mov     al, 0xFF
        jmp     .e
.go:    mov     dx, FDC_FIFO
        in      al, dx
.e:     pop     dx
        pop     cx
        ret

; fdc_command: send the 9 bytes at CS:SI.
fdc_command:
        mov     cx, 9
.n:     cs lodsb
        call    fdc_out
        loop    .n
        ret

; sense: SENSE INTERRUPT STATUS; AX = ST0 << 8 | PCN.
sense:
        mov     al, 0x08
        call    fdc_out
        call    fdc_in
        mov     ah, al
        call    fdc_in
        ret

; results: the 7 result bytes into RESULT.
results:
        mov     di, RESULT
        mov     cx, 7
.n:     call    fdc_in
        stosb
        loop    .n
        ret

; dma_setup: channel 2, mode AL (with channel 2), 512 bytes at 0:BX.
dma_setup:
        push    ax
        mov     al, 0x06                ; mask channel 2
        out     0x0A, al
        out     0x0C, al                ; clear the flip-flop
        pop     ax
        out     0x0B, al
        mov     al, bl
        out     0x04, al
        mov     al, bh
        out     0x04, al
        xor     al, al
        out     0x81, al                ; page 0
        mov     al, 0xFF                ; count 511
        out     0x05, al
        mov     al, 0x01
        out     0x05, al
        mov     al, 0x02                ; unmask channel 2
        out     0x0A, al
        ret

        ROM_END

; pc_platform.asm: the PC platform devices as firmware and kernels use them,
; through the machine's virtual clock and interrupt wiring:
; - 8254 PIT counter 0 in mode 2 at ~1 kHz drives IRQ0 through the 8259A;
;   HLT waits for each tick (the machine skips or sleeps to it); RDTSC
;   measures the ticks against the 1 GHz TSC; the counter latch reads a
;   count below the reload value;
; - port 0x61: the refresh toggle (bit 4) changes with time; counter 2 with
;   its gate on bit 0 raises OUT2 (bit 5) at terminal count (mode 0);
; - MC146818 RTC/CMOS: the date of the deterministic epoch (2024-01-01),
;   register D's VRT bit read with the NMI mask bit set in the index, the
;   BIOS memory fields (640 KiB base, 31 MiB extended on a 32 MiB machine),
;   periodic interrupts at 1024 Hz on IRQ8 through the cascade;
; - A20: gated by the 8042 output port (commands D1, DD/DF) OR port 0x92
;   bit 1, checked through the alias of FFFF:0510 and 0000:0500;
; - 8042: the power-on BAT bytes drained, then the self-test answer 0x55.
;
; Intel 8254 datasheet (mode 0, mode 2, counter latch), Intel 8259A
; datasheet, MC146818A datasheet (registers A–D, periodic interrupt), IBM
; PC AT Technical Reference (port 0x61, CMOS map, 8042 commands), IBM PS/2
; (port 0x92).
;
;   ox86 run --headless --bios pc_platform.bin --exit-port 0xf4 --deterministic

%include "common.inc"

TICKS           equ SCRATCH             ; word: IRQ0 count
RTC_TICKS       equ SCRATCH + 2         ; word: IRQ8 count
TSC_FIRST       equ SCRATCH + 4         ; dword: TSC at the first IRQ0
TSC_LAST        equ SCRATCH + 8         ; dword: TSC at the last IRQ0
VEC_IRQ0        equ 0x08
VEC_IRQ8        equ 0x70
PIT_COUNT       equ 1193                ; 1193 / 1.193182 MHz ≈ 1 ms
WANT_TICKS      equ 10

start:
        ROM_INIT
        mov     word [TICKS], 0
        mov     word [RTC_TICKS], 0
        mov     word [VEC_IRQ0 * 4], irq0
        mov     word [VEC_IRQ0 * 4 + 2], 0xF000
        mov     word [VEC_IRQ8 * 4], irq8
        mov     word [VEC_IRQ8 * 4 + 2], 0xF000

        ; Both 8259As as on the PC/AT: master 08h, slave 70h on IR2.
        mov     al, 0x11
        out     0x20, al
        out     0xA0, al
        mov     al, VEC_IRQ0
        out     0x21, al
        mov     al, VEC_IRQ8
        out     0xA1, al
        mov     al, 0x04
        out     0x21, al
        mov     al, 0x02
        out     0xA1, al
        mov     al, 0x01
        out     0x21, al
        out     0xA1, al
        mov     al, 0xFE                ; master: IRQ0 only
        out     0x21, al
        mov     al, 0xFF                ; slave: all masked
        out     0xA1, al
        POST    0x10

        ; --- PIT counter 0, mode 2, LSB/MSB, ~1 ms ---------------------------
        mov     al, 0x34
        out     0x43, al                ; OUT0 rises: the first interrupt
        mov     al, PIT_COUNT & 0xFF
        out     0x40, al
        mov     al, PIT_COUNT >> 8
        out     0x40, al
        sti
.wait:  hlt
        cmp     word [TICKS], WANT_TICKS
        jb      .wait
        cli
        mov     ax, [TICKS]
        CHECK   "IRQ0 ticks counted with HLT", WANT_TICKS
        ; Ticks 1..10: the first comes with the control word, then one per
        ; period: 9 periods of 1193 PIT clocks = 8998.6 us at 1 GHz.
        mov     eax, [TSC_LAST]
        sub     eax, [TSC_FIRST]
        xor     edx, edx
        mov     ecx, 1000
        div     ecx                     ; microseconds
        PRINT   "PIT: 9 periods in "
        call    putdec
        PRINT   " us", 10
        cmp     ax, 8990
        setae   bl
        cmp     ax, 9010
        setbe   bh
        and     bl, bh
        movzx   ax, bl
        CHECK   "9 periods take 9 ms of TSC", 1
        ; Counter latch: the count is below the reload value.
        mov     al, 0x00
        out     0x43, al
        in      al, 0x40
        mov     ah, al
        in      al, 0x40
        xchg    al, ah
        cmp     ax, PIT_COUNT
        setbe   al
        movzx   ax, al
        CHECK   "latched count within the period", 1
        POST    0x20

        ; --- Port 0x61 ------------------------------------------------------
        ; The refresh toggle changes every 15 us: poll until it does.
        in      al, 0x61
        and     al, 0x10
        mov     bl, al
        mov     cx, 0xFFFF
.refr:  in      al, 0x61
        and     al, 0x10
        cmp     al, bl
        jne     .refr_ok
        loop    .refr
.refr_ok:
        test    cx, cx
        setnz   al
        movzx   ax, al
        CHECK   "port 0x61 refresh toggle", 1
        ; Counter 2, mode 0, count 100 with the gate low: OUT2 stays low.
        in      al, 0x61
        and     al, 0xFC                ; gate 2 off, speaker off
        out     0x61, al
        mov     al, 0xB0                ; counter 2, LSB/MSB, mode 0
        out     0x43, al
        mov     al, 100
        out     0x42, al
        xor     al, al
        out     0x42, al
        mov     cx, 0xFFFF              ; ~260 us, longer than 100 clocks
.gate_lo:
        in      al, 0x61
        test    al, 0x20
        jnz     .gate_lo_end
        loop    .gate_lo
.gate_lo_end:
        in      al, 0x61
        and     ax, 0x20
        CHECK   "OUT2 low while gate 2 is low", 0
        ; Gate high: terminal count after 100 clocks (84 us) raises OUT2.
        in      al, 0x61
        or      al, 0x01
        out     0x61, al
        mov     cx, 0xFFFF
.gate_hi:
        in      al, 0x61
        test    al, 0x20
        jnz     .gate_hi_end
        loop    .gate_hi
.gate_hi_end:
        in      al, 0x61
        and     ax, 0x20
        CHECK   "OUT2 high at terminal count with gate 2 high", 0x20
        in      al, 0x61
        and     al, 0xFC
        out     0x61, al
        POST    0x30

        ; --- RTC and CMOS ----------------------------------------------------
        mov     bl, 0x0A                ; wait until no update is in progress
.uip:   mov     al, bl
        out     0x70, al
        in      al, 0x71
        test    al, 0x80
        jnz     .uip
        mov     al, 0x09
        call    cmos_read
        CHECK   "RTC year (BCD)", 0x24
        mov     al, 0x08
        call    cmos_read
        CHECK   "RTC month", 0x01
        mov     al, 0x07
        call    cmos_read
        CHECK   "RTC day of month", 0x01
        mov     al, 0x32
        call    cmos_read
        CHECK   "CMOS century", 0x20
        mov     al, 0x80 | 0x0D         ; NMI mask bit + register D
        call    cmos_read
        CHECK   "register D VRT (index with NMI mask bit)", 0x80
        mov     al, 0x16
        call    cmos_read
        mov     ah, al
        mov     al, 0x15
        call    cmos_read
        CHECK   "CMOS base memory KiB", 640
        mov     al, 0x18
        call    cmos_read
        mov     ah, al
        mov     al, 0x17
        call    cmos_read
        CHECK   "CMOS extended memory KiB", 31 * 1024
        POST    0x40

        ; Periodic interrupt: rate 6 (1024 Hz), PIE; IRQ8 only.
        mov     al, 0xFF
        out     0x21, al                ; PIT off the CPU while the RTC runs
        mov     al, 0x0A
        out     0x70, al
        mov     al, 0x26
        out     0x71, al
        mov     al, 0x0C
        call    cmos_read               ; clear stale flags
        mov     al, 0x0B
        call    cmos_read
        or      al, 0x40
        mov     ah, al
        mov     al, 0x0B
        out     0x70, al
        mov     al, ah
        out     0x71, al
        mov     al, 0xFB                ; master: cascade only
        out     0x21, al
        mov     al, 0xFE                ; slave: IRQ8
        out     0xA1, al
        sti
.rtc_wait:
        hlt
        cmp     word [RTC_TICKS], 8
        jb      .rtc_wait
        cli
        mov     ax, [RTC_TICKS]
        CHECK   "RTC periodic interrupts on IRQ8", 8
        mov     al, 0x0B                ; PIE off
        call    cmos_read
        and     al, ~0x40
        mov     ah, al
        mov     al, 0x0B
        out     0x70, al
        mov     al, ah
        out     0x71, al
        mov     al, 0xFF
        out     0xA1, al
        out     0x21, al
        POST    0x50

        ; --- A20 -------------------------------------------------------------
        mov     byte [0x500], 0x11
        mov     ax, 0xFFFF
        mov     es, ax
        mov     byte [es:0x510], 0x22   ; linear 0x100500
        call    alias_byte
        CHECK   "A20 on at power-on: no wrap", 0x22
        call    kbc_wait
        mov     al, 0xD1                ; write output port: A20 off
        out     0x64, al
        call    kbc_wait
        mov     al, 0xDD
        out     0x60, al
        call    kbc_wait
        call    alias_byte
        CHECK   "8042 A20 off: FFFF:0510 wraps to 0500", 0x11
        mov     al, 0x02
        out     0x92, al                ; fast A20 on
        call    alias_byte
        CHECK   "port 0x92 bit 1 opens A20", 0x22
        in      al, 0x92
        and     ax, 0x03
        CHECK   "port 0x92 reads back (reset bit 0)", 0x02
        xor     al, al
        out     0x92, al
        call    alias_byte
        CHECK   "port 0x92 bit 1 clear: wraps again", 0x11
        call    kbc_wait
        mov     al, 0xDF                ; 8042 A20 on
        out     0x64, al
        call    kbc_wait
        call    alias_byte
        CHECK   "8042 command DF opens A20", 0x22
        xor     ax, ax
        mov     es, ax
        POST    0x60

        ; --- 8042 ------------------------------------------------------------
        ; Drain the power-on BAT bytes of the keyboard and mouse first.
        mov     cx, 16
.drain: in      al, 0x64
        test    al, 0x01
        jz      .drained
        in      al, 0x60
        loop    .drain
.drained:
        mov     al, 0xAA
        out     0x64, al
        mov     cx, 1000
.obf:   in      al, 0x64
        test    al, 0x01
        jnz     .obf_ok
        loop    .obf
.obf_ok:
        in      al, 0x60
        xor     ah, ah
        CHECK   "8042 self-test answer", 0x55
        POST    0x70
        jmp     finish

; cmos_read: AL = index (bit 7: NMI mask) → AL = byte; AH kept.
cmos_read:
        out     0x70, al
        in      al, 0x71
        ret

; alias_byte: AX = byte at FFFF:0510 (ES = FFFF).
alias_byte:
        mov     al, [es:0x510]
        xor     ah, ah
        ret

; kbc_wait: until the 8042's input buffer is empty.
kbc_wait:
        push    ax
.busy:  in      al, 0x64
        test    al, 0x02
        jnz     .busy
        pop     ax
        ret

; IRQ0: count, keep the TSC of the first and the last tick, EOI.
irq0:
        push    eax
        push    edx
        rdtsc
        cmp     word [ss:TICKS], 0
        jne     .not_first
        mov     [ss:TSC_FIRST], eax
.not_first:
        mov     [ss:TSC_LAST], eax
        inc     word [ss:TICKS]
        mov     al, 0x20
        out     0x20, al
        pop     edx
        pop     eax
        iret

; IRQ8: count, read register C (acknowledges the RTC), EOI slave + master.
irq8:
        push    ax
        inc     word [ss:RTC_TICKS]
        mov     al, 0x0C
        out     0x70, al
        in      al, 0x71
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

        ROM_END

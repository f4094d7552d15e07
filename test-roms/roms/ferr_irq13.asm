; ferr_irq13.asm: the x87 error path through the interrupt controller, as a
; PC/AT wires it: with CR0.NE clear, an unmasked x87 exception asserts FERR#
; at the next waiting instruction instead of raising #MF; FERR# drives IRQ13
; (slave 8259A input 5), and the handler clears the error with FNCLEX and
; sends EOIs. Also checks that no interrupt arrives while IF is clear or
; IRQ13 is masked, and that a halted CPU is woken by it.
;
; SDM Vol. 1 §8.7 (PC-style x87 error reporting), Vol. 3A §9.2.1 (CR0.NE),
; Intel 8259A datasheet (ICW1–ICW4, OCW1, non-specific EOI).
;
;   ox86 run --headless --bios ferr_irq13.bin --exit-port 0xf4

%include "common.inc"

IRQ13_COUNT     equ SCRATCH         ; word: IRQ13 handler runs
IRQ13_SW        equ SCRATCH + 2     ; word: FPU status word seen by the handler
VEC_IRQ13       equ 0x75            ; slave base 0x70 + 5

start:
        ROM_INIT
        mov     word [IRQ13_COUNT], 0
        mov     word [VEC_IRQ13 * 4], irq13
        mov     word [VEC_IRQ13 * 4 + 2], 0xF000

        ; Both 8259As: edge triggered, cascade, 8086 mode; master vectors
        ; 08h–0Fh, slave 70h–77h (the PC/AT layout).
        mov     al, 0x11
        out     0x20, al
        out     0xA0, al
        mov     al, 0x08
        out     0x21, al
        mov     al, 0x70
        out     0xA1, al
        mov     al, 0x04                ; master: slave on IR2
        out     0x21, al
        mov     al, 0x02                ; slave: identity 2
        out     0xA1, al
        mov     al, 0x01
        out     0x21, al
        out     0xA1, al
        mov     al, 0xFB                ; master: only IR2 (cascade)
        out     0x21, al
        mov     al, 0xFF                ; slave: everything masked for now
        out     0xA1, al
        POST    0x10

        ; CR0: NE clear (PC-style reporting), EM and TS clear.
        mov     eax, cr0
        and     eax, ~((1 << 5) | (1 << 3) | (1 << 2))
        mov     cr0, eax
        fninit
        fldcw   [cs:cw_ze_unmasked]
        fld1
        fldz
        fdivp   st1, st0                ; 1/0: ZE pending (ES set)
        fwait                           ; FERR# asserted, no #MF (NE = 0)
        mov     ax, [IRQ13_COUNT]
        CHECK   "IRQ13 masked: no interrupt", 0
        POST    0x20

        mov     al, 0xDF                ; unmask slave IR5 (IRQ13)
        out     0xA1, al
        nop
        nop
        mov     ax, [IRQ13_COUNT]
        CHECK   "IF clear: no interrupt", 0

        sti                             ; the interrupt is taken after the
        nop                             ; instruction following STI
        nop
        cli
        mov     ax, [IRQ13_COUNT]
        CHECK   "IRQ13 taken once IF is set", 1
        mov     ax, [IRQ13_SW]
        and     ax, 0x0084              ; ES and ZE
        CHECK   "handler saw ES and ZE", 0x0084
        fnstsw  ax
        and     ax, 0x0080
        CHECK   "FNCLEX in the handler cleared ES", 0
        POST    0x30

        ; A second error while halted: HLT with IF set is woken by IRQ13.
        fld1
        fldz
        fdivp   st1, st0
        sti
        fwait                           ; FERR# again
        hlt                             ; woken by IRQ13
        cli
        mov     ax, [IRQ13_COUNT]
        CHECK   "IRQ13 wakes HLT", 2
        POST    0x40
        jmp     finish

; IRQ13: record, clear the x87 error, EOI to the slave then the master.
irq13:
        push    ax
        fnstsw  ax
        mov     [ss:IRQ13_SW], ax
        inc     word [ss:IRQ13_COUNT]
        fnclex
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

cw_ze_unmasked: dw 0x037B               ; all masked but ZE

        ROM_END

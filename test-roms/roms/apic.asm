; apic.asm: the local APIC and the I/O APIC of a one-processor PC as an
; operating system meets them after the BIOS (Intel SDM Vol. 3A ch. 10
; "APIC"; Intel 82093AA I/O APIC datasheet; MP specification §3.6.2.2
; virtual-wire mode). Needs a board with the APICs (ox86: the machine's
; `enable_apic`); without them the first checks fail.
;
;   0x20  CPUID.1:EDX[9], IA32_APIC_BASE, version register, the BIOS's
;         virtual-wire state (LINT0 = ExtINT, SVR software-enabled);
;   0x30  self-IPI (ICR "self" shorthand): taken after STI, in service in
;         the handler (ISR), cleared by EOI; ESR "send illegal vector";
;   0x40  TPR holds a lower-class vector back (pending in IRR) until lowered;
;   0x50  timer: one-shot wakes HLT and reads 0 after; periodic interrupts
;         once per period until masked;
;   0x60  IOAPIC identification; PIT IRQ0 through IOAPIC pin 2 (the
;         interrupt source override) with the 8259A fully masked;
;   0x70  IRQ0 through the 8259A and LINT0 (ExtINT); with LINT0 masked the
;         8259A is cut off;
;   0x80  IA32_APIC_BASE.EN = 0: the APIC page reads all-ones and the
;         8259A interrupts the processor directly.
;
; Reports like every ox86 test ROM (common.inc): "PASS/FAIL name" lines on
; port 0xE9, POST codes above, then 0xFF and exit status 33 when all
; passed, or 0xEE and 35.

%include "common.inc"
%include "common32.inc"

        cpu     686

CODE32  equ 0x08
DATA32  equ 0x10
GDT_BASE equ 0x2000
IDT_BASE equ 0x0800
MON_STACK equ 0x80000

LAPIC   equ 0xFEE00000
IOAPIC  equ 0xFEC00000
; Local APIC registers (SDM Table 10-1).
A_VER   equ LAPIC + 0x030
A_TPR   equ LAPIC + 0x080
A_EOI   equ LAPIC + 0x0B0
A_SVR   equ LAPIC + 0x0F0
A_ISR2  equ LAPIC + 0x120               ; ISR bits 40h-5Fh
A_IRR2  equ LAPIC + 0x220               ; IRR bits 40h-5Fh
A_ESR   equ LAPIC + 0x280
A_ICR   equ LAPIC + 0x300
A_TIMER equ LAPIC + 0x320
A_LINT0 equ LAPIC + 0x350
A_TMICT equ LAPIC + 0x380
A_TMCCT equ LAPIC + 0x390
A_TDCR  equ LAPIC + 0x3E0
SELF    equ 1 << 18                     ; ICR destination shorthand "self"
MASKED  equ 1 << 16
PERIODIC equ 1 << 17
IOREGSEL equ IOAPIC
IOWIN   equ IOAPIC + 0x10

; Interrupt counters (linear).
CNT20   equ 0x700                       ; 8259A IRQ0 (vector 20h)
CNT40   equ 0x704                       ; self-IPI
CNT41   equ 0x708                       ; APIC timer
CNT45   equ 0x70C                       ; self-IPI held back by the TPR
CNT50   equ 0x710                       ; IOAPIC pin 2
ISRSEEN equ 0x714                       ; ISR word 2 inside the 40h handler

; IOWRITE index, value: an IOAPIC register through IOREGSEL/IOWIN.
%macro  IOWRITE 2
        mov     dword [IOREGSEL], %1
        mov     dword [IOWIN], %2
%endmacro

%macro  SETGATE 2
        mov     edi, IDT_BASE + (%1) * 8
        mov     eax, ROM_BASE + %2
        call    set_gate
%endmacro

start:
        ROM_INIT
        PRINT   "apic: local APIC and I/O APIC", 10
        POST    0x10
        ROM_COPY gdt, gdt_end, GDT_BASE
        ENTER_PM32 pm_entry

        bits    32
pm_entry:
        FLAT_SEGS MON_STACK
        POST32  0x11
        mov     edi, IDT_BASE
        mov     edx, 256
.fill:  mov     eax, ROM_BASE + unexpected
        call    set_gate
        add     edi, 8
        dec     edx
        jnz     .fill
        SETGATE 0x20, h20
        SETGATE 0x40, h40
        SETGATE 0x41, h41
        SETGATE 0x45, h45
        SETGATE 0x50, h50
        lidt    [ROM_BASE + idt_desc]
        mov     edi, CNT20
        xor     eax, eax
        mov     ecx, 8
        rep stosd
        ; Both 8259As initialised (vectors 20h/28h) and fully masked.
        mov     al, 0x11
        out     0x20, al
        out     0xA0, al
        mov     al, 0x20
        out     0x21, al
        mov     al, 0x28
        out     0xA1, al
        mov     al, 0x04
        out     0x21, al
        mov     al, 0x02
        out     0xA1, al
        mov     al, 0x01
        out     0x21, al
        out     0xA1, al
        mov     al, 0xFF
        out     0x21, al
        out     0xA1, al

; ------------------------------------------------------ 0x20 identification
        POST32  0x20
        mov     eax, 1
        cpuid
        mov     eax, edx
        and     eax, 1 << 9
        CHECKP  "CPUID.1:EDX[9]: on-chip APIC", 1 << 9
        mov     ecx, 0x1B
        rdmsr
        CHECKP  "IA32_APIC_BASE = FEE00900h (BSP, enabled)", 0xFEE00900
        mov     eax, [A_VER]
        CHECKP  "version register 00050014h", 0x00050014
        mov     eax, [A_LINT0]
        CHECKP  "LINT0 = ExtINT, unmasked (virtual wire)", 0x700
        mov     eax, [A_SVR]
        and     eax, 0x100
        CHECKP  "SVR: software-enabled", 0x100
        mov     dword [A_SVR], 0x1FF

; ------------------------------------------------------------ 0x30 self-IPI
        POST32  0x30
        mov     dword [A_ICR], SELF | 0x40
        mov     eax, [CNT40]
        CHECKP  "self-IPI waits while IF = 0", 0
        sti
        nop
        nop
        cli
        mov     eax, [CNT40]
        CHECKP  "self-IPI 40h taken once after STI", 1
        mov     eax, [ISRSEEN]
        CHECKP  "  ... in service in its handler (ISR)", 1
        mov     eax, [A_ISR2]
        CHECKP  "  ... ISR clear after EOI", 0
        mov     dword [A_ESR], 0
        mov     dword [A_ICR], SELF | 0x05
        mov     dword [A_ESR], 0
        mov     eax, [A_ESR]
        CHECKP  "ESR: send illegal vector (05h)", 0x20

; ----------------------------------------------------------------- 0x40 TPR
        POST32  0x40
        mov     dword [A_TPR], 0x50
        mov     dword [A_ICR], SELF | 0x45
        sti
        nop
        nop
        cli
        mov     eax, [CNT45]
        CHECKP  "TPR 50h holds vector 45h back", 0
        mov     eax, [A_IRR2]
        and     eax, 1 << 5
        CHECKP  "  ... pending in the IRR", 1 << 5
        mov     dword [A_TPR], 0
        sti
        nop
        nop
        cli
        mov     eax, [CNT45]
        CHECKP  "  ... taken once the TPR is 0", 1

; --------------------------------------------------------------- 0x50 timer
        POST32  0x50
        mov     dword [A_TDCR], 0x0B    ; divide by 1
        mov     dword [A_TIMER], 0x41   ; one-shot
        mov     dword [A_TMICT], 100000
        mov     eax, [A_TMCCT]
        dec     eax
        cmp     eax, 100000 - 1
        setb    al
        movzx   eax, al
        CHECKP  "current count runs below the initial count", 1
        sti
        hlt
        cli
        mov     eax, [CNT41]
        CHECKP  "one-shot timer wakes HLT", 1
        mov     eax, [A_TMCCT]
        CHECKP  "  ... and stays at 0", 0
        POST32  0x58
        mov     dword [CNT41], 0
        mov     dword [A_TIMER], PERIODIC | 0x41
        mov     dword [A_TMICT], 50000
        sti
        hlt
        hlt
        hlt
        cli
        mov     dword [A_TIMER], MASKED | 0x41
        mov     dword [A_TMICT], 0
        mov     eax, [CNT41]
        CHECKP  "periodic timer: one interrupt per HLT", 3

; -------------------------------------------------------------- 0x60 IOAPIC
        POST32  0x60
        mov     dword [IOREGSEL], 1
        mov     eax, [IOWIN]
        CHECKP  "IOAPIC version 11h, 24 entries", 0x00170011
        mov     dword [IOREGSEL], 0
        mov     eax, [IOWIN]
        CHECKP  "IOAPIC ID 1", 0x01000000
        mov     dword [IOREGSEL], 0x14
        mov     eax, [IOWIN]
        CHECKP  "pin 2 masked after reset", MASKED
        IOWRITE 0x15, 0                 ; destination APIC 0
        IOWRITE 0x14, 0x50              ; fixed, edge, active high
        ; PIT channel 0: rate generator, 1193 clocks (1 ms).
        mov     al, 0x34
        out     0x43, al
        mov     al, 0xA9
        out     0x40, al
        mov     al, 0x04
        out     0x40, al
        sti
        hlt
        hlt
        cli
        mov     eax, [CNT50]
        CHECKP  "PIT IRQ0 through IOAPIC pin 2, 8259A masked", 2
        mov     eax, [CNT20]
        CHECKP  "  ... and not through the 8259A", 0

; --------------------------------------------------------- 0x70 virtual wire
        POST32  0x70
        IOWRITE 0x14, MASKED | 0x50
        mov     al, 0xFE                ; 8259A: IRQ0 only
        out     0x21, al
        sti
        hlt
        cli
        mov     eax, [CNT20]
        CHECKP  "IRQ0 through the 8259A and LINT0 (ExtINT)", 1
        mov     eax, [CNT50]
        CHECKP  "  ... not through the masked IOAPIC pin", 2
        mov     dword [A_LINT0], MASKED | 0x700
        sti
        mov     ecx, 3000000            ; about 6 ms of guest time
.spin:  loop    .spin
        cli
        mov     eax, [CNT20]
        CHECKP  "LINT0 masked: the 8259A is cut off", 1
        mov     dword [A_LINT0], 0x700
        sti
        hlt
        cli
        mov     eax, [CNT20]
        CHECKP  "LINT0 unmasked: the held request arrives", 2

; ---------------------------------------------------- 0x80 global disable
        POST32  0x80
        mov     ecx, 0x1B
        rdmsr
        and     eax, ~0x800
        wrmsr
        mov     eax, [A_VER]
        CHECKP  "EN = 0: the APIC page reads all-ones", 0xFFFFFFFF
        sti
        hlt
        cli
        mov     eax, [CNT20]
        CHECKP  "EN = 0: the 8259A interrupts directly", 3
        mov     al, 0xFF
        out     0x21, al
        jmp     finish32

; ------------------------------------------------------------- handlers
; set_gate: EDI = descriptor address, EAX = offset: ring-0 32-bit
; interrupt gate through CODE32.
set_gate:
        mov     [edi], ax
        mov     word [edi + 2], CODE32
        mov     word [edi + 4], 0x8E00
        shr     eax, 16
        mov     [edi + 6], ax
        ret

h20:    inc     dword [CNT20]
        push    eax
        mov     al, 0x20                ; 8259A EOI (ExtINT: no APIC EOI)
        out     0x20, al
        pop     eax
        iretd

h40:    inc     dword [CNT40]
        push    eax
        mov     eax, [A_ISR2]
        mov     [ISRSEEN], eax
        pop     eax
        mov     dword [A_EOI], 0
        iretd

h41:    inc     dword [CNT41]
        mov     dword [A_EOI], 0
        iretd

h45:    inc     dword [CNT45]
        mov     dword [A_EOI], 0
        iretd

h50:    inc     dword [CNT50]
        mov     dword [A_EOI], 0
        iretd

        UNEXPECTED_DUMP32

        COMMON32_CODE

; ------------------------------------------------------------ tables
        bits    16
        align   8
gdt:    GDT_FLAT
gdt_end:

        TABLE_POINTERS GDT_BASE, 256

        ROM_END

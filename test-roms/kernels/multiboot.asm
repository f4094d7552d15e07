; multiboot.asm: a Multiboot (v1) test kernel for `ox86 run --kernel`.
;
; Built as an ELF32 executable with two PT_LOAD segments (text at 1 MiB,
; data + bss one page up; see multiboot.ld and build.sh). It checks what a
; Multiboot loader must hand over (Multiboot 0.6.96 §3.2, §3.3):
;   - EAX = 0x2BADB002, EBX → information structure with memory
;     information (flag 0) and a memory map (flag 6) whose available RAM
;     covers 1 MiB to 1 MiB + mem_upper KiB and not the VGA window;
;   - protected mode, paging off, IF and VM clear, flat 4 GiB CS and DS,
;     A20 enabled; data loaded, bss zero-filled;
; and pokes COM1 like a driver would (scratch register, divisor latch, LSR,
; FIFO bits in IIR, loopback with the modem lines). It prints one line per
; check to COM1 (0x3F8, polling LSR.THRE), the memory map, the boot loader
; name and command line, and a summary, then writes EXIT_PASS (0x10, host
; status 33) or EXIT_FAIL (0x11, host status 35) to the isa-debug-exit port
; 0xF4 and halts with interrupts disabled.
;
; The same image passes under QEMU:
;   qemu-system-i386 -kernel multiboot.elf -append "hello world" \
;       -serial stdio -display none -device isa-debug-exit,iobase=0xf4,iosize=1

        bits    32

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00000003              ; page-align modules, memory info
MB_BOOT_MAGIC   equ 0x2BADB002

COM1            equ 0x3F8
UART_DATA       equ COM1 + 0
UART_IER        equ COM1 + 1
UART_FCR        equ COM1 + 2                ; IIR on read
UART_LCR        equ COM1 + 3
UART_MCR        equ COM1 + 4
UART_LSR        equ COM1 + 5
UART_MSR        equ COM1 + 6
UART_SCR        equ COM1 + 7
LSR_DR          equ 0x01
LSR_THRE        equ 0x20
LSR_TEMT        equ 0x40
LCR_DLAB        equ 0x80
MCR_DTR_RTS_OUT2 equ 0x0B
MCR_LOOP        equ 0x10

EXIT_PORT       equ 0xF4
EXIT_PASS       equ 0x10
EXIT_FAIL       equ 0x11

; Information structure offsets.
MBI_FLAGS       equ 0
MBI_MEM_LOWER   equ 4
MBI_MEM_UPPER   equ 8
MBI_CMDLINE     equ 16
MBI_MMAP_LENGTH equ 44
MBI_MMAP_ADDR   equ 48
MBI_LOADER_NAME equ 64
MBI_HAS_MEMORY  equ 1 << 0
MBI_HAS_CMDLINE equ 1 << 2
MBI_HAS_MMAP    equ 1 << 6
MBI_HAS_NAME    equ 1 << 9

; CHECK cc, "text": count a check that passed if condition cc holds (flags
; as left by the preceding compare); print "ok   text" or "FAIL text".
%macro  CHECK 2
        j%1     %%pass
        mov     esi, %%msg
        call    check_failed
        jmp     %%done
%%pass: mov     esi, %%msg
        call    check_passed
%%done:
        section .rodata
%%msg:  db      %2, 0
        section .text
%endmacro

; PRINT "text": print a string (no newline added; use 10).
%macro  PRINT 1+
        push    esi
        mov     esi, %%s
        call    puts
        pop     esi
        section .rodata
%%s:    db      %1, 0
        section .text
%endmacro

        section .multiboot
        align   4
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)

        section .text
        global  _start
_start:
        mov     esp, stack_top
        mov     [boot_eax], eax
        mov     [boot_ebx], ebx
        call    serial_init
        PRINT   "multiboot: test kernel started", 10

        ; --- the hand-over (§3.2) ---
        cmp     dword [boot_eax], MB_BOOT_MAGIC
        CHECK   e, "EAX holds the boot loader magic 0x2BADB002"
        mov     eax, cr0
        test    eax, 1
        CHECK   nz, "CR0.PE set"
        test    eax, 0x80000000
        CHECK   z, "CR0.PG clear"
        pushfd
        pop     eax
        test    eax, 0x200
        CHECK   z, "EFLAGS.IF clear"
        test    eax, 0x20000
        CHECK   z, "EFLAGS.VM clear"
        mov     eax, cs
        lsl     ecx, eax
        cmp     ecx, 0xFFFFFFFF
        CHECK   e, "CS is a 4 GiB segment"
        mov     eax, ds
        lsl     ecx, eax
        cmp     ecx, 0xFFFFFFFF
        CHECK   e, "DS is a 4 GiB segment"
        ; A20: with it off, 0x180000 would alias 0x080000.
        mov     dword [0x080000], 0x87654321
        mov     dword [0x180000], 0x12345678
        cmp     dword [0x080000], 0x87654321
        CHECK   e, "A20 enabled"
        cmp     dword [data_word], 0xC0FFEE42
        CHECK   e, "data segment loaded"
        cmp     dword [bss_word], 0
        CHECK   e, "bss zero-filled"

        ; --- the information structure (§3.3) ---
        mov     ebx, [boot_ebx]
        mov     eax, [ebx + MBI_FLAGS]
        PRINT   "info flags "
        call    puthex
        call    newline
        test    dword [ebx + MBI_FLAGS], MBI_HAS_MEMORY
        CHECK   nz, "info has mem_lower/mem_upper (flag 0)"
        PRINT   "mem_lower "
        mov     eax, [ebx + MBI_MEM_LOWER]
        call    putdec
        PRINT   " KiB, mem_upper "
        mov     eax, [ebx + MBI_MEM_UPPER]
        call    putdec
        PRINT   " KiB", 10
        mov     eax, [ebx + MBI_MEM_LOWER]
        dec     eax
        cmp     eax, 640
        CHECK   b, "mem_lower is 1 to 640 KiB"
        test    dword [ebx + MBI_FLAGS], MBI_HAS_MMAP
        CHECK   nz, "info has a memory map (flag 6)"
        call    walk_mmap
        cmp     dword [ram_1m_end], 0
        CHECK   ne, "the memory map has RAM from 1 MiB"
        mov     eax, [ebx + MBI_MEM_UPPER]
        shl     eax, 10
        add     eax, 0x100000
        cmp     [ram_1m_end], eax
        CHECK   ae, "that RAM reaches 1 MiB + mem_upper"
        cmp     dword [vga_is_ram], 0
        CHECK   e, "the VGA window B8000 is not available RAM"
        test    dword [ebx + MBI_FLAGS], MBI_HAS_NAME
        jz      .no_name
        PRINT   "loader: "
        mov     esi, [ebx + MBI_LOADER_NAME]
        call    puts
        call    newline
.no_name:
        test    dword [ebx + MBI_FLAGS], MBI_HAS_CMDLINE
        jz      .no_cmdline
        PRINT   "cmdline: "
        mov     esi, [ebx + MBI_CMDLINE]
        call    puts
        call    newline
.no_cmdline:

        ; --- COM1 as a driver sees it ---
        mov     dx, UART_SCR
        mov     al, 0x5A
        out     dx, al
        in      al, dx
        cmp     al, 0x5A
        CHECK   e, "UART scratch register holds 0x5A"
        mov     dx, UART_LCR
        mov     al, LCR_DLAB | 3
        out     dx, al
        mov     dx, UART_DATA
        in      al, dx
        mov     ah, al
        mov     dx, UART_IER
        in      al, dx
        mov     cx, ax                  ; CH = DLL, CL = DLM
        mov     dx, UART_LCR
        mov     al, 3
        out     dx, al
        cmp     cx, 0x0100
        CHECK   e, "UART divisor latch reads back 1 (115200 baud)"
        mov     dx, UART_IER
        in      al, dx
        cmp     al, 0
        CHECK   e, "UART IER reads 0 with DLAB clear"
        mov     dx, UART_LSR
        in      al, dx
        and     al, LSR_THRE | LSR_TEMT
        cmp     al, LSR_THRE | LSR_TEMT
        CHECK   e, "UART LSR: transmitter empty"
        mov     dx, UART_FCR
        in      al, dx
        and     al, 0xC0
        cmp     al, 0xC0
        CHECK   e, "UART IIR: FIFOs enabled"
        ; Loopback: nothing may be printed until MCR is restored.
        mov     dx, UART_MCR
        mov     al, MCR_LOOP | MCR_DTR_RTS_OUT2
        out     dx, al
        mov     dx, UART_DATA
        mov     al, 0x42
        out     dx, al
        mov     ecx, 1000000
        mov     dx, UART_LSR
.wait_dr:
        in      al, dx
        test    al, LSR_DR
        jnz     .got_dr
        loop    .wait_dr
.got_dr:
        mov     dx, UART_DATA
        in      al, dx
        mov     bl, al                  ; looped-back byte
        mov     dx, UART_MSR
        in      al, dx
        mov     bh, al                  ; MSR in loopback
        mov     dx, UART_MCR
        mov     al, MCR_DTR_RTS_OUT2
        out     dx, al
        cmp     bl, 0x42
        CHECK   e, "UART loopback returns the byte sent"
        and     bh, 0xF0
        cmp     bh, 0xB0
        CHECK   e, "UART loopback: DTR->DSR, RTS->CTS, OUT2->DCD"

        ; --- summary and exit ---
        PRINT   "multiboot: "
        mov     eax, [checks]
        call    putdec
        PRINT   " checks, "
        mov     eax, [fails]
        call    putdec
        PRINT   " failed", 10
        call    serial_drain
        mov     al, EXIT_PASS
        cmp     dword [fails], 0
        je      .exit
        mov     al, EXIT_FAIL
.exit:  out     EXIT_PORT, al
        cli
.halt:  hlt
        jmp     .halt

; Print the memory map and note what it says about 1 MiB and B8000.
walk_mmap:
        pushad
        mov     esi, [ebx + MBI_MMAP_ADDR]
        mov     edi, esi
        add     edi, [ebx + MBI_MMAP_LENGTH]
.next:  cmp     esi, edi
        jae     .done
        PRINT   "mmap: base="
        mov     eax, [esi + 4]
        call    puthex
        PRINT   " length="
        mov     eax, [esi + 12]
        call    puthex
        PRINT   " type="
        mov     eax, [esi + 20]
        call    putdec
        call    newline
        cmp     dword [esi + 20], 1
        jne     .step
        cmp     dword [esi + 8], 0      ; base above 4 GiB: ignore
        jne     .step
        mov     eax, [esi + 4]          ; EDX:EAX = end (base + length)
        xor     edx, edx
        add     eax, [esi + 12]
        adc     edx, [esi + 16]
        jz      .below4g
        mov     eax, 0xFFFFFFFF         ; clamp to 4 GiB - 1
.below4g:
        ; Covers 1 MiB?
        cmp     dword [esi + 4], 0x100000
        ja      .vga
        cmp     eax, 0x100000
        jbe     .vga
        mov     [ram_1m_end], eax
.vga:   ; Covers B8000?
        cmp     dword [esi + 4], 0xB8000
        ja      .step
        cmp     eax, 0xB8000
        jbe     .step
        mov     dword [vga_is_ram], 1
.step:  add     esi, [esi]
        add     esi, 4
        jmp     .next
.done:  popad
        ret

; 115200 baud 8N1, FIFOs on, DTR/RTS/OUT2 set, interrupts off.
serial_init:
        mov     dx, UART_IER
        xor     al, al
        out     dx, al
        mov     dx, UART_LCR
        mov     al, LCR_DLAB
        out     dx, al
        mov     dx, UART_DATA
        mov     al, 1
        out     dx, al
        mov     dx, UART_IER
        xor     al, al
        out     dx, al
        mov     dx, UART_LCR
        mov     al, 3
        out     dx, al
        mov     dx, UART_FCR
        mov     al, 0xC7
        out     dx, al
        mov     dx, UART_MCR
        mov     al, MCR_DTR_RTS_OUT2
        out     dx, al
        ret

%include "print.inc"

        section .rodata
hexdigits:
        db      "0123456789abcdef"

        section .data
        align   4
data_word:
        dd      0xC0FFEE42

        section .bss
        align   16
boot_eax:       resd    1
boot_ebx:       resd    1
checks:         resd    1
fails:          resd    1
ram_1m_end:     resd    1
vga_is_ram:     resd    1
bss_word:       resd    1
stack:          resb    16384
stack_top:

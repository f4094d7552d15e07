; boot_protocol.asm: a tiny "bzImage" that checks what a boot loader hands
; over by the Linux x86 32-bit boot protocol (Documentation/arch/x86/boot.rst,
; "32-bit Boot Protocol", and zero-page.rst), for ox86's `--kernel` loader.
;
; The file is a setup header (one setup sector, protocol 2.15, relocatable,
; QUIET_FLAG set so the loader must clear it) followed by 32-bit code that
; runs at 1 MiB. On entry it checks:
;   - CS = __BOOT_CS (0x10), DS/ES/SS = __BOOT_DS (0x18), 4 GiB flat, CR0.PE
;     set, CR0.PG clear, EFLAGS.IF clear, EBX = EBP = EDI = 0, A20 on;
;   - ESI → boot_params: the setup header copied (boot_flag, "HdrS",
;     init_size), sentinel 0, type_of_loader 0xFF, LOADED_HIGH and
;     CAN_USE_HEAP set, QUIET_FLAG clear, heap_end_ptr set;
;   - the E820 table: sorted, 1 MiB up to the kernel's end is usable RAM;
;   - the initrd: page-aligned, above the kernel's init_size area, below
;     initrd_addr_max; it prints the byte sum of the initrd;
;   - acpi_rsdp_addr, when set, points to "RSD PTR ";
; prints the command line and the E820 table, one "ok"/"FAIL" line per check
; and a summary on COM1 (polling LSR.THRE), then writes EXIT_PASS (0x10,
; host status 33) or EXIT_FAIL (0x11, host status 35) to port 0xF4 and halts.
;
; Build: nasm -f bin -I .. -o boot_protocol.bin boot_protocol.asm (build.sh here;
; the output routines are ../print.inc, shared with the Multiboot kernel).
; The test is test-roms/tests/linux_boot.rs.

COM1            equ 0x3F8
UART_DATA       equ COM1 + 0
UART_LSR        equ COM1 + 5
LSR_THRE        equ 0x20
LSR_TEMT        equ 0x40
EXIT_PORT       equ 0xF4
EXIT_PASS       equ 0x10
EXIT_FAIL       equ 0x11

SETUP_SECTS     equ 1
LOAD_ADDR       equ 0x100000
INIT_SIZE       equ 0x200000
INITRD_ADDR_MAX equ 0x37FFFFFF

; boot_params offsets (zero-page.rst, boot.rst).
BP_ACPI_RSDP    equ 0x070
BP_E820_ENTRIES equ 0x1E8
BP_SENTINEL     equ 0x1EF
BP_BOOT_FLAG    equ 0x1FE
BP_HEADER       equ 0x202
BP_LOADER_TYPE  equ 0x210
BP_LOADFLAGS    equ 0x211
BP_RAMDISK_IMG  equ 0x218
BP_RAMDISK_SIZE equ 0x21C
BP_HEAP_END     equ 0x224
BP_CMD_LINE_PTR equ 0x228
BP_INIT_SIZE    equ 0x260
BP_E820_TABLE   equ 0x2D0
LOADED_HIGH     equ 0x01
QUIET_FLAG      equ 0x20
CAN_USE_HEAP    equ 0x80

; ---------------------------------------------------------------- setup
        section setup start=0 vstart=0
        bits    16
        times   0x1F1 - ($ - $$) db 0
        db      SETUP_SECTS             ; 0x1F1 setup_sects
        dw      0                       ; 0x1F2 root_flags
        dd      (kernel_end - kernel_start + 15) / 16 ; 0x1F4 syssize
        dw      0                       ; 0x1F8 ram_size
        dw      0xFFFF                  ; 0x1FA vid_mode
        dw      0                       ; 0x1FC root_dev
        dw      0xAA55                  ; 0x1FE boot_flag
        jmp     short header_end        ; 0x200 jump
        db      "HdrS"                  ; 0x202 header
        dw      0x020F                  ; 0x206 version 2.15
        dd      0                       ; 0x208 realmode_swtch
        dw      0                       ; 0x20C start_sys_seg
        dw      0                       ; 0x20E kernel_version
        db      0                       ; 0x210 type_of_loader
        db      LOADED_HIGH | QUIET_FLAG ; 0x211 loadflags
        dw      0                       ; 0x212 setup_move_size
        dd      LOAD_ADDR               ; 0x214 code32_start
        dd      0                       ; 0x218 ramdisk_image
        dd      0                       ; 0x21C ramdisk_size
        dd      0                       ; 0x220 bootsect_kludge
        dw      0                       ; 0x224 heap_end_ptr
        db      0                       ; 0x226 ext_loader_ver
        db      0                       ; 0x227 ext_loader_type
        dd      0                       ; 0x228 cmd_line_ptr
        dd      INITRD_ADDR_MAX         ; 0x22C initrd_addr_max
        dd      0x100000                ; 0x230 kernel_alignment
        db      1                       ; 0x234 relocatable_kernel
        db      20                      ; 0x235 min_alignment
        dw      0                       ; 0x236 xloadflags
        dd      2047                    ; 0x238 cmdline_size
        dd      0                       ; 0x23C hardware_subarch
        dq      0                       ; 0x240 hardware_subarch_data
        dd      0                       ; 0x248 payload_offset
        dd      0                       ; 0x24C payload_length
        dq      0                       ; 0x250 setup_data
        dq      LOAD_ADDR               ; 0x258 pref_address
        dd      INIT_SIZE               ; 0x260 init_size
        dd      0                       ; 0x264 handover_offset
        dd      0                       ; 0x268 kernel_info_offset
header_end:
        times   (SETUP_SECTS + 1) * 512 - ($ - $$) db 0

; ---------------------------------------------------------------- kernel
KERNEL_OFFSET   equ (SETUP_SECTS + 1) * 512
        section kernel start=KERNEL_OFFSET vstart=LOAD_ADDR
        bits    32

; CHECK cc, "text": count a check that passed if condition cc holds (flags
; as left by the preceding compare); print "ok   text" or "FAIL text".
; Clobbers ESI.
%macro  CHECK 2
        j%1     %%pass
        mov     esi, %%msg
        call    check_failed
        jmp     %%done
%%pass: mov     esi, %%msg
        call    check_passed
        jmp     %%done
%%msg:  db      %2, 0
%%done:
%endmacro

; PRINT "text": print a string (no newline added; use 10).
%macro  PRINT 1+
        push    esi
        mov     esi, %%s
        call    puts
        pop     esi
        jmp     %%e
%%s:    db      %1, 0
%%e:
%endmacro

kernel_start:
        mov     [entry_esi], esi
        mov     [entry_ebx], ebx
        mov     [entry_ebp], ebp
        mov     [entry_edi], edi
        mov     ax, cs
        mov     [entry_cs], ax
        mov     ax, ds
        mov     [entry_ds], ax
        mov     ax, es
        mov     [entry_es], ax
        mov     ax, ss
        mov     [entry_ss], ax
        pushfd
        pop     dword [entry_eflags]
        mov     esp, stack_top
        PRINT   "linux boot protocol: test kernel started", 10

        ; --- the CPU state ---
        cmp     word [entry_cs], 0x10
        CHECK   e, "CS = __BOOT_CS (0x10)"
        cmp     word [entry_ds], 0x18
        CHECK   e, "DS = __BOOT_DS (0x18)"
        cmp     word [entry_es], 0x18
        CHECK   e, "ES = __BOOT_DS (0x18)"
        cmp     word [entry_ss], 0x18
        CHECK   e, "SS = __BOOT_DS (0x18)"
        mov     eax, cs
        lsl     ecx, eax
        cmp     ecx, 0xFFFFFFFF
        CHECK   e, "CS is a 4 GiB segment"
        mov     eax, ds
        lsl     ecx, eax
        cmp     ecx, 0xFFFFFFFF
        CHECK   e, "DS is a 4 GiB segment"
        mov     eax, cr0
        test    eax, 1
        CHECK   nz, "CR0.PE set"
        test    eax, 0x80000000
        CHECK   z, "CR0.PG clear"
        test    dword [entry_eflags], 0x200
        CHECK   z, "EFLAGS.IF clear"
        mov     eax, [entry_ebx]
        or      eax, [entry_ebp]
        or      eax, [entry_edi]
        CHECK   z, "EBX, EBP and EDI are 0"
        mov     dword [0x080000], 0x87654321
        mov     dword [0x180000], 0x12345678
        cmp     dword [0x080000], 0x87654321
        CHECK   e, "A20 enabled"

        ; --- boot_params ---
        mov     ebx, [entry_esi]
        test    ebx, 0xFFF
        CHECK   z, "ESI points to a page-aligned boot_params"
        cmp     word [ebx + BP_BOOT_FLAG], 0xAA55
        CHECK   e, "boot_flag copied"
        cmp     dword [ebx + BP_HEADER], "HdrS"
        CHECK   e, "header signature copied"
        cmp     dword [ebx + BP_INIT_SIZE], INIT_SIZE
        CHECK   e, "init_size copied"
        cmp     byte [ebx + BP_SENTINEL], 0
        CHECK   e, "sentinel is 0"
        cmp     byte [ebx + BP_LOADER_TYPE], 0xFF
        CHECK   e, "type_of_loader = 0xFF"
        mov     al, [ebx + BP_LOADFLAGS]
        and     al, LOADED_HIGH | QUIET_FLAG | CAN_USE_HEAP
        cmp     al, LOADED_HIGH | CAN_USE_HEAP
        CHECK   e, "loadflags: LOADED_HIGH and CAN_USE_HEAP set, QUIET_FLAG clear"
        cmp     word [ebx + BP_HEAP_END], 0
        CHECK   ne, "heap_end_ptr set"

        ; --- command line ---
        cmp     dword [ebx + BP_CMD_LINE_PTR], 0
        CHECK   ne, "cmd_line_ptr set"
        mov     esi, [ebx + BP_CMD_LINE_PTR]
        test    esi, esi
        jz      .no_cmdline
        PRINT   "cmdline: "
        call    puts
        call    newline
.no_cmdline:

        ; --- E820 table ---
        movzx   ecx, byte [ebx + BP_E820_ENTRIES]
        test    ecx, ecx
        CHECK   nz, "e820_entries is not 0"
        lea     esi, [ebx + BP_E820_TABLE]
        xor     edi, edi                ; end of the previous entry
        mov     dword [e820_sorted], 1
.e820:  test    ecx, ecx
        jz      .e820_done
        PRINT   "e820: "
        mov     eax, [esi]
        call    puthex
        PRINT   " "
        mov     eax, [esi + 8]
        call    puthex
        PRINT   " "
        mov     eax, [esi + 16]
        call    putdec
        call    newline
        cmp     dword [esi + 4], 0      ; all below 4 GiB here
        jne     .unsorted
        cmp     [esi], edi
        jb      .unsorted
        mov     edi, [esi]
        add     edi, [esi + 8]
        jmp     .sorted
.unsorted:
        mov     dword [e820_sorted], 0
.sorted:
        ; RAM from 1 MiB covering the kernel's init_size area?
        cmp     dword [esi + 16], 1
        jne     .e820_next
        cmp     dword [esi], LOAD_ADDR
        ja      .e820_next
        mov     eax, [esi]
        add     eax, [esi + 8]
        mov     [ram_end], eax
        cmp     eax, LOAD_ADDR + INIT_SIZE
        jb      .e820_next
        mov     dword [kernel_in_ram], 1
.e820_next:
        add     esi, 20
        dec     ecx
        jmp     .e820
.e820_done:
        cmp     dword [e820_sorted], 1
        CHECK   e, "E820 entries sorted and disjoint"
        cmp     dword [kernel_in_ram], 1
        CHECK   e, "E820: usable RAM from 1 MiB past the kernel's init_size area"

        ; --- initrd --- (EDI: CHECK and PRINT use ESI)
        mov     edi, [ebx + BP_RAMDISK_IMG]
        mov     ecx, [ebx + BP_RAMDISK_SIZE]
        test    ecx, ecx
        jz      .no_initrd
        test    edi, 0xFFF
        CHECK   z, "initrd page-aligned"
        cmp     edi, LOAD_ADDR + INIT_SIZE
        CHECK   ae, "initrd above the kernel's init_size area"
        lea     eax, [edi + ecx - 1]
        cmp     eax, INITRD_ADDR_MAX
        CHECK   be, "initrd below initrd_addr_max"
        lea     eax, [edi + ecx]
        cmp     eax, [ram_end]
        CHECK   be, "initrd inside the usable RAM"
        xor     eax, eax
        xor     edx, edx
.sum:   mov     dl, [edi]
        add     eax, edx
        inc     edi
        loop    .sum
        PRINT   "initrd: "
        push    eax
        mov     eax, [ebx + BP_RAMDISK_SIZE]
        call    putdec
        PRINT   " bytes, sum "
        pop     eax
        call    puthex
        call    newline
.no_initrd:

        ; --- ACPI ---
        mov     edi, [ebx + BP_ACPI_RSDP]
        test    edi, edi
        jz      .no_acpi
        cmp     dword [edi], "RSD "
        jne     .rsdp_checked
        cmp     dword [edi + 4], "PTR "
.rsdp_checked:
        CHECK   e, 'acpi_rsdp_addr points to "RSD PTR "'
        PRINT   "acpi_rsdp_addr: "
        mov     eax, edi
        call    puthex
        call    newline
.no_acpi:

        ; --- summary ---
        mov     eax, [checks]
        sub     eax, [fails]
        cmp     dword [fails], 0
        jne     .failed
        PRINT   "all "
        call    putdec
        PRINT   " checks passed", 10
        call    serial_drain
        mov     al, EXIT_PASS
        out     EXIT_PORT, al
        jmp     .halt
.failed:
        mov     eax, [fails]
        call    putdec
        PRINT   " checks FAILED", 10
        call    serial_drain
        mov     al, EXIT_FAIL
        out     EXIT_PORT, al
.halt:  cli
        hlt
        jmp     .halt

%include "print.inc"

hexdigits:
        db      "0123456789abcdef"

        align   4
entry_esi:      dd 0
entry_ebx:      dd 0
entry_ebp:      dd 0
entry_edi:      dd 0
entry_eflags:   dd 0
entry_cs:       dw 0
entry_ds:       dw 0
entry_es:       dw 0
entry_ss:       dw 0
checks:         dd 0
fails:          dd 0
e820_sorted:    dd 0
kernel_in_ram:  dd 0
ram_end:        dd 0
        align   16
stack:          times 4096 db 0
stack_top:
kernel_end:

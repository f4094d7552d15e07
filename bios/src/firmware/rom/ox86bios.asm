; ox86 built-in BIOS ROM (64 KiB at F0000, aliased below 4 GiB).
;
; The ROM holds only entry stubs; the services are written in Rust
; (bios/src/firmware/). A stub traps into the host with
;     out TRAP_PORT, al ; ud2 ; db SERVICE_ID
; The machine notices the CPU stopped after an OUT with CS:IP on a UD2
; marker in F0000-FFFFF preceded by that OUT, runs the service for the id
; byte (which reads and writes the registers, memory and devices) and
; resumes after the id byte. A service that must wait (INT 16h with an
; empty buffer, INT 15h AH=86h) returns with CF set; the stub then halts
; with interrupts enabled and asks again.
;
; Rust finds the handlers through the header at offset 0 (magic, then a
; table of (vector, offset) words ending in FFFFh). Vectors not listed get
; `default_iret`. Build with build.sh (nasm); the .bin is committed. The
; fonts (font8x16.inc, font8x8.inc) are made by mkfont.py from a PSF font,
; font8x14.inc by mkfont14.py from font8x16.inc.

cpu 8086
bits 16
org 0

TRAP_PORT       equ 0xEF

; Service ids (bios/src/firmware/mod.rs, `service`): interrupt services use
; their vector number; these are the others.
SVC_POST        equ 0xF0
SVC_KBD_IRQ     equ 0xF1
SVC_UNHANDLED   equ 0xF2
SVC_MOUSE_IRQ   equ 0xF3

%macro TRAP 1
        out TRAP_PORT, al
        db 0x0F, 0x0B           ; ud2: never executed (the host skips it)
        db %1
%endmacro

; An interrupt service: trap, and on CF = 1 wait for an interrupt and retry.
%macro SERVICE 2
%1:
        TRAP %2
        jc %%wait
        iret
%%wait:
        sti
        hlt
        cli
        jmp %1
%endmacro

header:
        db "OX86BIOS"
        dw 2                    ; header version
        dw vector_table
        dw font8x16             ; 8x16 font (256 characters)
        dw font8x8              ; 8x8 font (256 characters)
        dw config_table         ; INT 15h C0h system configuration table
        dw diskette_params      ; INT 1Eh diskette parameter table
        dw fixed_disk_params    ; INT 41h/46h
        dw default_iret         ; IRET for unused vectors
        dw post.halt            ; cli; hlt forever (INT 18h with nothing to boot)
        ; header version 2: video
        dw font8x14             ; 8x14 font (256 characters)
        dw font_alt             ; 9-dot alternate glyphs (empty list)
        dw vbe_oem_string       ; VBE OEM string (ASCIIZ)
        dw vbe_window           ; VBE window function (far call, like 4F05h)
        dw video_functionality  ; INT 10h AH=1Bh static functionality table

vector_table:
        dw 0x08, irq0
        dw 0x09, irq1
        dw 0x0A, irq_master
        dw 0x0B, irq_master
        dw 0x0C, irq_master
        dw 0x0D, irq_master
        dw 0x0E, irq_master
        dw 0x0F, irq_master
        dw 0x10, int10
        dw 0x11, int11
        dw 0x12, int12
        dw 0x13, int13
        dw 0x14, int14
        dw 0x15, int15
        dw 0x16, int16
        dw 0x17, int17
        dw 0x18, int18
        dw 0x19, int19
        dw 0x1A, int1a
        dw 0x40, int13          ; diskette service (where a hard-disk BIOS moves it)
        dw 0x70, irq_slave
        dw 0x71, irq_slave
        dw 0x72, irq_slave
        dw 0x73, irq_slave
        dw 0x74, irq12
        dw 0x75, irq_slave
        dw 0x76, irq_slave
        dw 0x77, irq_slave
        dw 0xFFFF

; ---------------------------------------------------------------------------
; POST: the host initialises everything, then INT 19h boots.
post:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        TRAP SVC_POST
        sti
        int 0x19
        int 0x18
.halt:
        cli
        hlt
        jmp .halt

default_iret:
        iret

; IRQ0: the BIOS tick count at 40:6C (midnight at 1800B0h ticks, 40:70
; set), then the user hook INT 1Ch, then EOI.
irq0:
        push ds
        push ax
        mov ax, 0x40
        mov ds, ax
        add word [0x6C], 1
        adc word [0x6E], 0
        cmp word [0x6E], 0x18
        jb .count_ok
        cmp word [0x6C], 0xB0
        jb .count_ok
        mov word [0x6C], 0
        mov word [0x6E], 0
        mov byte [0x70], 1
.count_ok:
        int 0x1C
        cli
        mov al, 0x20
        out 0x20, al
        pop ax
        pop ds
        iret

; IRQ1: read the scan code, offer it to INT 15h AH=4Fh (keyboard
; intercept), store it (host: shift states and the 40:1E buffer), EOI.
irq1:
        push ax
        in al, 0x60
        mov ah, 0x4F
        stc
        int 0x15
        jnc .eoi
        TRAP SVC_KBD_IRQ
.eoi:
        cli
        mov al, 0x20
        out 0x20, al
        pop ax
        iret

; IRQ12: the mouse byte goes to the host, which collects packets; with a
; complete packet and a handler (INT 15h C207h) it returns CF = 1, AX =
; status, BX = X, CX = Y, DX = 0, DS = EBDA: push them, far-call the
; handler at EBDA:22h, drop them.
irq12:
        push ax
        push bx
        push cx
        push dx
        push ds
        in al, 0x64             ; status first: the 8042 moves the next byte in
        in al, 0x60
        TRAP SVC_MOUSE_IRQ
        jnc .eoi
        push ax
        push bx
        push cx
        push dx
        call far [0x22]
        add sp, 8
.eoi:
        cli
        in al, 0x64             ; lets the 8042 load its next byte (IRQ again)
        mov al, 0x20
        out 0xA0, al
        out 0x20, al
        pop ds
        pop dx
        pop cx
        pop bx
        pop ax
        iret

; Unused IRQ lines: acknowledge them so a stray interrupt does not block
; lower-priority lines.
irq_master:
        push ax
        mov al, 0x20
        out 0x20, al
        pop ax
        iret

irq_slave:
        push ax
        mov al, 0x20
        out 0xA0, al
        out 0x20, al
        pop ax
        iret

SERVICE int10, 0x10
SERVICE int11, 0x11
SERVICE int12, 0x12
SERVICE int13, 0x13
SERVICE int14, 0x14
SERVICE int15, 0x15
SERVICE int16, 0x16
SERVICE int17, 0x17
SERVICE int18, 0x18
SERVICE int19, 0x19
SERVICE int1a, 0x1A

; INT 15h AH=C0h: system configuration table (IBM PC BIOS reference):
; length, model FCh (AT), submodel 01h, revision, feature bytes 1-5.
config_table:
        dw 8
        db 0xFC, 0x01, 0x00
        db 0x70                 ; 2nd 8259, RTC, INT 15h 4Fh intercept
        db 0x40, 0x00, 0x00, 0x00 ; INT 16h AH=09h supported

; INT 1Eh: 1.44 MB diskette parameters.
diskette_params:
        db 0xAF, 0x02, 0x25, 0x02, 18, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08

fixed_disk_params:
        times 16 db 0

; VBE window function (VBE 3.0 "WinFuncPtr"): BH = 0 set / 1 get, BL =
; window, DX = position; a far call, not an interrupt.
vbe_window:
        push ax
        mov ax, 0x4F05
        int 0x10
        pop ax
        retf

vbe_oem_string:
        db "ox86 VGA BIOS", 0

; INT 10h AH=1Bh static functionality table (IBM VGA BIOS layout): modes
; supported (00h-07h, 0Dh-13h), scan lines 200/350/400, 8 font blocks, 2
; active, function flags, save/restore + DCC + blink.
video_functionality:
        db 0xFF, 0xE0, 0x0F, 0, 0, 0, 0
        db 0x07, 8, 2, 0xFF, 0x0E, 0, 0, 0, 0

; 9-dot alternate glyphs: none (the list ends with character 0).
font_alt:
        db 0

        align 16
font8x8:
%include "font8x8.inc"
font8x16:
%include "font8x16.inc"
font8x14:
%include "font8x14.inc"

; ---------------------------------------------------------------------------
        times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:                   ; F000:FFF0
        jmp 0xF000:post
        db "11/27/26"           ; BIOS date at F000:FFF5
        db 0xFF
        db 0xFC                 ; model byte at F000:FFFE (AT)
        db 0xFF

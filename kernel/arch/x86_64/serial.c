/* COM1, the 16550 UART at I/O port 0x3f8: 115200 baud, 8 data bits, no parity. */
#include <carapace/arch.h>

#define COM1            0x3f8
#define UART_DATA       0 /* with DLAB=1: divisor low byte */
#define UART_IER        1 /* with DLAB=1: divisor high byte */
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS     0x03
#define LSR_THR_EMPTY   0x20
#define BAUD_DIVISOR    1 /* 115200 / 115200 */
#define TX_SPIN_LIMIT   100000

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, BAUD_DIVISOR & 0xff);
	outb(COM1 + UART_IER, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/* Bounded wait for room: a missing UART must not hang a crash report. */
static void serial_putc(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_pause();
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

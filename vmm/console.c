/* console.c - serial console input; see console.h. */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "console.h"

#define INPUT_RETRY_NS (10 * 1000 * 1000)

static void throttle_input(struct console *c, bool on)
{
	struct itimerspec its = {.it_interval = {0, on ? INPUT_RETRY_NS : 0},
				 .it_value = {0, on ? INPUT_RETRY_NS : 0}};

	loop_mod(c->loop, c->in_fd, on ? 0 : EPOLLIN, &c->in_h);
	timerfd_settime(c->timer_fd, 0, &its, NULL);
}

static void on_input(void *ctx, uint32_t events)
{
	struct console *c = ctx;
	uint8_t buf[UART_FIFO_SIZE];
	size_t room;
	ssize_t n;

	if (!c->uart)
		room = sizeof(buf); /* no guest yet: consume and discard */
	else
		room = uart_rx_space(c->uart);
	if (room == 0) {
		throttle_input(c, true);
		return;
	}
	n = read(c->in_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n > 0) {
		if (c->uart)
			uart_input(c->uart, buf, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* EOF or a dead input: the guest keeps running without it. */
		loop_del(c->loop, c->in_fd);
		c->in_fd = -1;
	}
}

static void on_timer(void *ctx, uint32_t events)
{
	struct console *c = ctx;
	uint64_t ticks;

	if (read(c->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (c->in_fd >= 0 && c->uart && uart_rx_space(c->uart) > 0)
		throttle_input(c, false);
}

/* Input is wired when stdin can be polled: a tty, pipe or socket. */
static void wire_stdin(struct console *c)
{
	struct stat st;
	struct termios raw;

	if (fstat(STDIN_FILENO, &st) < 0 ||
	    !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	if (S_ISCHR(st.st_mode) && !isatty(STDIN_FILENO))
		return; /* /dev/null and friends: nothing will ever arrive */
	c->in_h = (struct loop_handler){.fn = on_input, .ctx = c};
	if (loop_add(c->loop, STDIN_FILENO, EPOLLIN, &c->in_h))
		return;
	c->in_fd = STDIN_FILENO;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c->saved) == 0) {
		raw = c->saved;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR; /* host-side output stays readable */
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			c->raw = true;
	}
}

void console_init(struct console *c)
{
	c->loop = NULL;
	c->uart = NULL;
	c->in_fd = c->timer_fd = -1;
	c->raw = false;
}

int console_open(struct console *c, struct loop *l)
{
	int ret;

	c->loop = l;
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->timer_fd < 0)
		return -errno;
	c->timer_h = (struct loop_handler){.fn = on_timer, .ctx = c};
	ret = loop_add(l, c->timer_fd, EPOLLIN, &c->timer_h);
	if (ret)
		return ret;
	wire_stdin(c);
	return 0;
}

void console_connect(struct console *c, struct uart *u)
{
	c->uart = u;
}

void console_close(struct console *c)
{
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	c->raw = false;
	if (c->timer_fd >= 0)
		close(c->timer_fd);
	c->timer_fd = -1;
	c->uart = NULL;
}

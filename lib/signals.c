/* The termination signal policy of mutating commands. See signals.h. */
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "macro.h"
#include "signals.h"

static const int held[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction saved[ELEMENTSOF(held)];
static volatile sig_atomic_t recorded;
static unsigned depth;

static void on_signal(int sig)
{
	if (!recorded)
		recorded = sig;
}

void sc_signals_hold(void)
{
	struct sigaction sa;

	if (depth++ > 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(held); i++)
		sigaddset(&sa.sa_mask, held[i]);
	for (size_t i = 0; i < ELEMENTSOF(held); i++) {
		sigaction(held[i], NULL, &saved[i]);
		/* An ignored signal (nohup's SIGHUP) stays ignored. */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(held[i], &sa, NULL);
	}
}

void sc_signals_release(void)
{
	if (depth == 0 || --depth > 0)
		return;
	for (size_t i = 0; i < ELEMENTSOF(held); i++)
		sigaction(held[i], &saved[i], NULL);
}

int sc_signals_pending(void)
{
	return recorded;
}

void sc_signals_end(void)
{
	struct sigaction sa;
	sigset_t set;
	int sig = recorded;

	while (depth > 0)
		sc_signals_release();
	if (!sig)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

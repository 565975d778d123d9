/*
 * The signal policy of every command that changes the system.
 *
 * While a command applies its plan, the termination signals (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT) are held: a handler records the first one and the step under way runs to its end,
 * its rollback included. The command looks at sc_signals_pending() at the step boundaries
 * where stopping leaves a consistent state (between the steps of a journaled rotation) and
 * stops there; elsewhere the change is finished or rolled back as a whole. The hold lasts
 * until the command has reported (its output flushed); then sc_signals_end() ends the process
 * with the recorded signal, so the caller sees the usual status of a process that signal
 * killed.
 *
 * The handler is installed with SA_RESTART (a read or write under way is not cut short) and
 * is inherited by the swapoff child of the system layer: a signal sent to the whole process
 * group (a terminal's ^C) makes swapoff(2) return EINTR with its area still active, instead
 * of waiting for every page to come back. Holds nest; signal dispositions are process state,
 * so this is the one file that sets them.
 */
#pragma once

/*
 * From here, record termination signals instead of acting on them: until the matching
 * sc_signals_release(), or to the end of the command (sc_signals_end()). Holds nest.
 */
void sc_signals_hold(void);
/* End one hold; the outermost restores the previous dispositions. A recorded signal stays. */
void sc_signals_release(void);
/* The first termination signal recorded (since the process started), or 0. */
int sc_signals_pending(void);
/*
 * The end of a command, after its output is flushed: every hold ends, and when a signal was
 * recorded the process ends by it (its default action). Returns only when none was.
 */
void sc_signals_end(void);

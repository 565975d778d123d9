/* swapctl(8): the product's system layer, handed to the dispatcher (dispatch.c). */
#include "cli.h"

int main(int argc, char **argv)
{
	return sc_main(argc, argv, &sc_sys_real);
}

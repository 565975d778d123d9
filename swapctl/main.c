/* swapctl(8): the product's system layer and environment, handed to the dispatcher. */
#include "cli.h"

int main(int argc, char **argv)
{
	struct sc_env env;

	sc_env_from_environ(&env);
	return sc_main(argc, argv, &sc_sys_real, &env);
}

// liaison-demo: placeholder until the demo seeding tool lands (next step).
#include <cstdio>
int main()
{
    std::fprintf(stderr, "liaison-demo: not implemented yet\n");
    return 1;
}

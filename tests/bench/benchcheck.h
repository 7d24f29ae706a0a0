// A benchmark stops at its first failure, naming the step (`must(step(), "what")`): a figure
// measured past a failed step would mean nothing.
#pragma once

#include "error.h"

#include <QCoreApplication>
#include <QString>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace liaison::bench {

[[noreturn]] inline void die(const char *what, const QString &why = {})
{
    std::fprintf(stderr, "%s: %s%s%s\n", qPrintable(QCoreApplication::applicationName()), what,
                 why.isEmpty() ? "" : ": ", qPrintable(why));
    std::exit(1);
}

template <typename T> T must(Result<T> r, const char *what)
{
    if (!r)
        die(what, r.error().message);
    return std::move(*r);
}

inline void must(const Status &s, const char *what)
{
    if (!s)
        die(what, s.error().message);
}

} // namespace liaison::bench

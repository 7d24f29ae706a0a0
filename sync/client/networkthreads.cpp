#include "client/networkthreads.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

namespace liaison::client {

namespace {

// The name Qt gives the manager's thread, as the kernel keeps it (15 bytes).
constexpr QByteArrayView kThreadName = "QNetworkAccessM";

bool networkThreadRunning()
{
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().startsWith(kThreadName))
            return true;
    }
    return false;
}

} // namespace

bool waitForNetworkThreadsToExit(int timeoutMs)
{
    QElapsedTimer waited;
    waited.start();
    while (networkThreadRunning()) {
        if (waited.elapsed() >= timeoutMs)
            return false;
        QThread::msleep(2);
    }
    return true;
}

} // namespace liaison::client

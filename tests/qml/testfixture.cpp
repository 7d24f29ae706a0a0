#include "testfixture.h"

namespace liaison::test {

TestFixture::TestFixture(QObject *parent)
    : QObject(parent)
{}

TestFixture::~TestFixture() = default;

bool TestFixture::reset(bool createVault, bool seed, int autoLockMs)
{
    auto next = std::make_unique<AppFixture>(autoLockMs);
    bool ok = true;
    if (createVault || seed)
        ok = bool(next->createVault());
    if (ok && seed)
        ok = bool(next->enrolAndSeed());
    std::swap(m_fixture, next);
    Q_EMIT appChanged();
    return ok; // `next` (the old fixture) goes away after QML rebound to the new app
}

void TestFixture::advance(int ms)
{
    if (m_fixture)
        m_fixture->advance(ms);
}

void TestFixture::setApplicationState(int state)
{
    if (m_fixture)
        m_fixture->app->handleApplicationState(Qt::ApplicationState(state));
}

void TestFixture::waitForVault()
{
    if (m_fixture)
        m_fixture->app->vault()->waitForWorker();
}

void TestFixture::setHqTimeOffset(double ms)
{
    if (!m_fixture || !m_fixture->app->session())
        return;
    m_fixture->app->session()->records().clock().setReference(m_fixture->clock.wallMs() +
                                                              qint64(ms));
    m_fixture->app->refreshAll();
}

} // namespace liaison::test

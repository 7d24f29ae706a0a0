#include "testfixture.h"

#include "device/devicesettings.h"
#include "model/records.h"

#include <QCborArray>
#include <QClipboard>
#include <QDateTime>
#include <QFile>
#include <QGuiApplication>
#include <QQmlEngine>
#include <QRegularExpression>
#include <QXmlStreamReader>

namespace liaison::test {

TestFixture::TestFixture(QObject *parent)
    : QObject(parent)
{}

TestFixture::~TestFixture() = default;

bool TestFixture::reset(bool createVault, bool seed, int autoLockMs, bool keyRing)
{
    auto next = std::make_unique<AppFixture>(autoLockMs, kFixtureStartMs,
                                             keyRing ? vault::KeyStoreKind::OsKeyRing
                                                     : vault::KeyStoreKind::SoftwareFile);
    bool ok = true;
    if (createVault || seed)
        ok = bool(next->createVault());
    if (ok && seed)
        ok = bool(next->enrolAndSeed());
    std::swap(m_fixture, next);
    m_position.reset();
    Q_EMIT appChanged();
    return ok; // `next` (the old fixture) goes away after QML rebound to the new app
}

bool TestFixture::resetAtNow()
{
    auto next = std::make_unique<AppFixture>(60'000, QDateTime::currentMSecsSinceEpoch());
    std::swap(m_fixture, next);
    m_position.reset();
    Q_EMIT appChanged();
    return true;
}

QString TestFixture::startDesk()
{
    m_desk = std::make_unique<DeskKit>();
    return m_desk->start();
}

QString TestFixture::deskAddDevice(const QString &pngPath)
{
    if (!m_desk)
        return {};
    return m_desk->addDevice(pngPath, &m_deskDevice);
}

bool TestFixture::deskConfirm(const QString &number)
{
    return m_desk && m_desk->confirm(m_deskDevice, number);
}

bool TestFixture::deskCancel()
{
    return m_desk && m_desk->cancel(m_deskDevice);
}

QString TestFixture::deskPath(const QString &name) const
{
    return m_desk ? m_desk->path(name) : QString();
}

bool TestFixture::setHqPolicy(int autoLockSeconds, int eraseAfter, int version)
{
    if (!m_fixture || !m_fixture->app->session())
        return false;
    protocol::PolicyPayload policy;
    policy.autoLockSeconds = std::uint32_t(autoLockSeconds);
    policy.eraseAfter = std::uint32_t(eraseAfter);
    policy.version = std::uint64_t(version);
    auto saved = device::saveHqPolicy(m_fixture->app->session()->database(), policy);
    if (!saved || !*saved)
        return false;
    m_fixture->app->applyPolicy();
    return true;
}

bool TestFixture::setLanguage(const QString &code)
{
    if (!m_fixture)
        return false;
    m_fixture->app->languageSettings()->setEngine(qmlEngine(this));
    m_fixture->app->setLanguage(code);
    return m_fixture->app->language() == code;
}

QStringList TestFixture::untranslatedPatterns() const
{
    QStringList out;
    QFile file(QStringLiteral(LIAISON_CS_CATALOGUE));
    if (!file.open(QIODevice::ReadOnly))
        return {QStringLiteral("<catalogue missing>")};
    QXmlStreamReader xml(&file);
    QString source;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == QLatin1String("source")) {
            source = xml.readElementText();
        } else if (xml.name() == QLatin1String("translation")) {
            const QString translation = xml.readElementText();
            QString letters = source;
            letters.remove(QRegularExpression(QStringLiteral("%\\d|<[^>]*>|[^\\p{L}]")));
            if (translation == source || letters.size() < 4)
                continue;
            QString pattern = QRegularExpression::escape(source);
            pattern.replace(QRegularExpression(QStringLiteral("\\\\?%\\d")), QStringLiteral(".*"));
            out.append(QStringLiteral("^") + pattern + QStringLiteral("$"));
        }
    }
    return out;
}

int TestFixture::contactCount() const
{
    return m_fixture ? m_fixture->app->contacts()->rowCount() : -1;
}

void TestFixture::advance(int ms)
{
    if (m_fixture)
        m_fixture->advance(ms);
}

void TestFixture::restartApp()
{
    if (!m_fixture)
        return;
    m_fixture->restartApp();
    Q_EMIT appChanged();
}

void TestFixture::setQuickUnlock(bool available, const QString &nextPrompt)
{
    if (!m_fixture)
        return;
    using Outcome = platform::QuickUnlockStore::Outcome;
    m_fixture->quickUnlock.isAvailable = available;
    m_fixture->quickUnlock.nextPrompt = nextPrompt == QLatin1String("cancel") ? Outcome::Cancelled
                                        : nextPrompt == QLatin1String("fail") ? Outcome::Failed
                                        : nextPrompt == QLatin1String("invalidated")
                                            ? Outcome::Invalidated
                                            : Outcome::Ok;
    // What the pages show follows the platform's answer.
    Q_EMIT m_fixture->app->vault()->quickUnlockChanged();
}

int TestFixture::quickUnlockPrompts() const
{
    return m_fixture ? m_fixture->quickUnlock.prompts : 0;
}

int TestFixture::quickUnlockItems() const
{
    return m_fixture ? int(m_fixture->quickUnlock.items.size()) : 0;
}

QString TestFixture::unlockWithKeptQuickSecret()
{
    if (!m_fixture || !m_fixture->quickUnlock.kept)
        return QStringLiteral("none kept");
    auto loaded = vault::Vault::load(m_fixture->tmp.filePath(QStringLiteral("vault")),
                                     m_fixture->reportedKeyStore, m_fixture->vaultClock);
    if (!loaded)
        return QString::fromLatin1(errcName(loaded.error().code));
    const Status s = (*loaded)->unlockQuick(*m_fixture->quickUnlock.kept);
    return s ? QStringLiteral("ok") : QString::fromLatin1(errcName(s.error().code));
}

void TestFixture::setMetered(bool metered)
{
    if (m_fixture)
        m_fixture->connectivity.setMetered(metered);
}

void TestFixture::setApplicationState(int state)
{
    if (m_fixture)
        m_fixture->setApplicationState(Qt::ApplicationState(state));
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

QStringList TestFixture::openedUrls() const
{
    QStringList out;
    if (m_fixture) {
        for (const QUrl &url : m_fixture->openedUrls)
            out.append(url.toString());
    }
    return out;
}

void TestFixture::startPositionReplay()
{
    if (!m_fixture)
        return;
    platform::PositionOptions options;
    options.nmeaReplayFile = QStringLiteral(LIAISON_NMEA_FIXTURE);
    m_position = platform::createPositionSource(options);
    m_fixture->app->reportActions()->setPositionSource(m_position.get());
}

QVariantList TestFixture::ownRecords(const QString &kind) const
{
    QVariantList out;
    if (!m_fixture || !m_fixture->app->session())
        return out;
    model::RecordStore &records = m_fixture->app->session()->records();
    const model::RecordType type = kind == QLatin1String("checkin")
                                       ? model::RecordType::CheckIn
                                       : model::RecordType::FieldReport;
    auto all = records.records(records.scopes());
    auto pending = records.pendingOutbox();
    if (!all || !pending)
        return out;
    for (const model::RecordState &r : *all) {
        if (r.type != type || r.deleted)
            continue;
        QVariantMap m;
        const QCborArray p = r.fields.value(QStringLiteral("position")).value.toArray();
        m.insert(QStringLiteral("latitude"),
                 p.size() == 2 ? double(p.at(0).toInteger()) / 1e7 : qQNaN());
        m.insert(QStringLiteral("longitude"),
                 p.size() == 2 ? double(p.at(1).toInteger()) / 1e7 : qQNaN());
        m.insert(QStringLiteral("fixTime"),
                 double(r.fields.value(QStringLiteral("fixTime")).value.toInteger()));
        m.insert(QStringLiteral("time"),
                 double(r.fields.value(QStringLiteral("time")).value.toInteger()));
        m.insert(QStringLiteral("text"), r.fields.value(QStringLiteral("text")).value.toString());
        bool queued = false;
        for (const model::OutboxEntry &e : *pending)
            queued |= e.op.recordId == r.id;
        m.insert(QStringLiteral("queued"), queued);
        out.append(m);
    }
    return out;
}

QString TestFixture::clipboardText() const
{
    return QGuiApplication::clipboard()->text();
}

QStringList TestFixture::recordTexts(int minLength) const
{
    QStringList out;
    if (!m_fixture || !m_fixture->app->session())
        return out;
    model::RecordStore &records = m_fixture->app->session()->records();
    auto all = records.records(records.scopes());
    if (!all)
        return out;
    const auto add = [&](const QString &text) {
        if (text.size() >= minLength && !out.contains(text))
            out.append(text);
    };
    for (const model::RecordState &r : *all) {
        for (auto it = r.fields.cbegin(); it != r.fields.cend(); ++it) {
            const model::FieldSpec *spec = model::fieldSpec(r.type, it.key());
            if (!spec)
                continue;
            if (spec->kind == model::FieldKind::Text) {
                add(it->value.toString());
            } else if (spec->kind == model::FieldKind::TextList) {
                for (const QCborValue &v : it->value.toArray())
                    add(v.toString());
            }
        }
    }
    return out;
}

} // namespace liaison::test

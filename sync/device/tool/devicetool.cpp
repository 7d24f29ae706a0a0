#include "devicetool.h"

#include "crypto/crypto.h"
#include "crypto/secretio.h"
#include "device/devicesettings.h"
#include "keystorefactory.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <array>
#include <cstdio>
#include <unistd.h>

namespace liaison::devicetool {

namespace {

const QString kOptDir = QStringLiteral("dir");
const QString kOptPassphraseFile = QStringLiteral("passphrase-file");

// Everything up to `limit` bytes of the file (`-`: stdin) into sodium memory, through read(2)
// only (no stdio buffer keeps a copy).
Result<crypto::SecretBytes> readSmall(const QString &path, std::size_t limit)
{
    auto r = path == QLatin1String("-")
                 ? crypto::readSecret(STDIN_FILENO, limit, crypto::SecretReadMode::Whole)
                 : crypto::readSecretFile(path, limit, crypto::SecretReadMode::Whole);
    if (!r && r.error().code == Errc::Malformed)
        return fail(Errc::InvalidArgument, QStringLiteral("it is too long"));
    if (!r && r.error().code == Errc::NotFound)
        return fail(Errc::NotFound, QStringLiteral("cannot open %1").arg(path));
    return r;
}

bool isSpace(std::uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

} // namespace

void addDirOption(QCommandLineParser &parser)
{
    parser.addOption({kOptDir,
                      QStringLiteral("The device directory: DIR/vault (what `liaison --vault "
                                     "DIR/vault` opens) and DIR/keystore."),
                      QStringLiteral("dir")});
}

void addPassphraseOption(QCommandLineParser &parser)
{
    parser.addOption({kOptPassphraseFile,
                      QStringLiteral("Read the vault's passphrase from the first line of FILE (- "
                                     "for stdin)."),
                      QStringLiteral("file")});
}

void addJsonOption(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("json"), QStringLiteral("JSON on stdout instead of text.")});
}

int usageError(const QString &command, const QString &text)
{
    std::fprintf(stderr, "liaison-device: %s: %s\n(see liaison-device %s --help)\n",
                 qPrintable(command), qPrintable(text), qPrintable(command));
    return kExitUsage;
}

int failure(const QString &command, const QString &text)
{
    std::fprintf(stderr, "liaison-device: %s: %s\n", qPrintable(command), qPrintable(text));
    return kExitFailure;
}

void printLine(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void printJson(const QJsonObject &object)
{
    printLine(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)));
}

Result<device::DeviceLayout> layoutFrom(const QCommandLineParser &parser)
{
    const QString dir = parser.value(kOptDir);
    if (dir.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("give the device directory: --dir DIR"));
    return device::DeviceLayout{QDir::cleanPath(dir)};
}

Result<crypto::SecretBytes> readSecretFile(const QString &path)
{
    auto all = readSmall(path, 16 * 1024);
    if (!all)
        return all;
    const auto bytes = all->span();
    std::size_t begin = 0, end = bytes.size();
    while (begin < end && isSpace(bytes[begin]))
        ++begin;
    while (end > begin && isSpace(bytes[end - 1]))
        --end;
    return crypto::SecretBytes::copyOf(
        all->view().sliced(qsizetype(begin), qsizetype(end - begin)));
}

Result<crypto::SecretBytes> readPassphrase(const QCommandLineParser &parser)
{
    const QString path = parser.value(kOptPassphraseFile);
    if (path.isEmpty())
        return fail(Errc::InvalidArgument,
                    QStringLiteral("give the passphrase: --passphrase-file FILE (- for stdin)"));
    auto all = readSmall(path, 4 * 1024);
    if (!all)
        return fail(Errc::InvalidArgument,
                    QStringLiteral("the passphrase file: %1").arg(all.error().message));
    std::size_t n = 0;
    const auto bytes = all->span();
    while (n < bytes.size() && bytes[n] != '\n')
        ++n;
    while (n > 0 && bytes[n - 1] == '\r')
        --n;
    if (n == 0)
        return fail(Errc::InvalidArgument, QStringLiteral("the passphrase file is empty"));
    return crypto::SecretBytes::copyOf(all->view().first(qsizetype(n)));
}

namespace {

qint64 g_testClockOffsetMs = 0;

// The system's clocks with the wall clock moved on (tests: a device two days later).
class ShiftedClock final : public liaison::Clock
{
public:
    explicit ShiftedClock(qint64 offsetMs)
        : m_offsetMs(offsetMs)
    {}
    [[nodiscard]] qint64 wallMs() const override { return m_system.wallMs() + m_offsetMs; }
    [[nodiscard]] qint64 bootMs() const override { return m_system.bootMs(); }
    [[nodiscard]] QByteArray bootId() const override { return m_system.bootId(); }

private:
    liaison::SystemClock m_system;
    qint64 m_offsetMs;
};

} // namespace

void setTestClockOffsetMs(qint64 ms)
{
    g_testClockOffsetMs = ms;
}

vault::VaultOptions vaultOptions()
{
    vault::VaultOptions o;
    o.database.migrations = device::deviceMigrations();
    // Tests only (main() allowed it from LIAISON_DEVICE_TEST_KDF); production builds refuse it.
    if (crypto::testKdfProfileAllowed())
        o.kdf = crypto::kTestKdfParams;
    return o;
}

OpenDevice::~OpenDevice()
{
    session.reset();
    if (vault)
        vault->lock();
}

Result<std::unique_ptr<OpenDevice>> openDevice(const device::DeviceLayout &layout,
                                               const crypto::SecretBytes &passphrase)
{
    auto d = std::make_unique<OpenDevice>();
    // The store the vault was enrolled with: DIR/keystore's files, or the key ring its marker
    // names.
    d->keyStore = platform::createKeyStore(
        {layout.keyStoreDir(), QString::fromLatin1(kKeyStoreService), false});
    if (g_testClockOffsetMs != 0)
        d->clock = std::make_unique<ShiftedClock>(g_testClockOffsetMs);
    else
        d->clock = std::make_unique<liaison::SystemClock>();
    if (!vault::Vault::exists(layout.vaultDir()))
        return fail(Errc::NotFound, QStringLiteral("no vault in %1 (enrol first)")
                                        .arg(QDir::toNativeSeparators(layout.vaultDir())));
    auto v = vault::Vault::load(layout.vaultDir(), *d->keyStore, *d->clock, vaultOptions());
    if (!v)
        return std::unexpected(v.error());
    d->vault = std::move(*v);
    if (auto s = d->vault->unlock(passphrase); !s) {
        switch (s.error().code) {
        case Errc::WrongKey:
            return fail(Errc::WrongKey, QStringLiteral("wrong passphrase (%1 failed attempts)")
                                            .arg(d->vault->failureCount()));
        case Errc::LockedOut:
            return fail(Errc::LockedOut,
                        QStringLiteral("locked out after failed attempts: try again in %1 s")
                            .arg((d->vault->msUntilNextAttempt() + 999) / 1000));
        default:
            return std::unexpected(s.error());
        }
    }
    // HQ's erase-after count into the key file while the passphrase is at hand, as the app does
    // at every unlock (devicesettings.h). A failure leaves the count as it was: said, not fatal.
    auto policy = device::loadHqPolicy(*d->vault->database());
    if (!policy)
        return std::unexpected(policy.error());
    if (const auto wanted = device::policyEraseAfter(*policy);
        wanted && *wanted != d->vault->eraseAfter()) {
        if (auto s = d->vault->changePassphrase(passphrase, passphrase, *wanted); !s)
            std::fprintf(stderr, "liaison-device: HQ's erase-after count not applied: %s\n",
                         qPrintable(s.error().message));
    }
    auto session = device::DeviceSession::open(*d->vault->database(), *d->clock);
    if (!session)
        return std::unexpected(session.error());
    d->session = std::move(*session);
    return d;
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace liaison::devicetool

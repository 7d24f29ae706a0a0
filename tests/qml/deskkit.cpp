#include "deskkit.h"

#include "hqclikit.h"
#include "relaytestkit.h"

namespace liaison::test {

struct DeskKit::Parts
{
    hqclitest::Desk desk;
    relaytest::Deployment deployment;
    relaytest::Backend backend;
    relaytest::RelayProcess relay;
};

DeskKit::DeskKit()
    : m(std::make_unique<Parts>())
{}

DeskKit::~DeskKit() = default;

QString DeskKit::path(const QString &name) const
{
    return m->desk.path(name);
}

QString DeskKit::start()
{
    if (!m->desk.rootInit())
        return QStringLiteral("liaison-hq root init failed");
    m->deployment.root.publicKey =
        *crypto::SignPublicKey::fromHex(m->desk.rootPublicKey.toLatin1());
    m->deployment.id = *crypto::Id16::fromHex(m->desk.deployment.toLatin1());
    m->deployment.cert.clear(); // the desk installs its own certificate
    QString error;
    if (!relaytest::makeBackend(QStringLiteral("sqlite"), m->desk.dir, m->backend, &error))
        return error;
    if (!m->relay.start(m->desk.dir, m->backend, m->deployment))
        return QStringLiteral("liaison-relay did not start");
    const QString relayUrl = QStringLiteral("http://127.0.0.1:%1").arg(m->relay.port);
    if (!m->desk.initStore(relayUrl))
        return QStringLiteral("liaison-hq init or cert issue failed");
    const hqclitest::Run scope =
        m->desk.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")});
    if (scope.code != 0)
        return QString::fromUtf8(hqclitest::describe(scope));
    const hqclitest::Run import =
        m->desk.hq({QStringLiteral("contact"), QStringLiteral("import"),
                    QStringLiteral(LIAISON_FIXTURES_DIR "/contacts/outlook_cz.csv"),
                    QStringLiteral("--scope"), QStringLiteral("post:vienna")});
    if (import.code != 0)
        return QString::fromUtf8(hqclitest::describe(import));
    return {};
}

QString DeskKit::addDevice(const QString &pngPath, QString *deviceId)
{
    QStringList args{QStringLiteral("device"),  QStringLiteral("add"),
                     QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                     QStringLiteral("--label"), QStringLiteral("Vienna officer")};
    if (!pngPath.isEmpty())
        args << QStringLiteral("--png") << pngPath;
    const hqclitest::Run r = m->desk.hq(args);
    if (r.code != 0) {
        qWarning().noquote() << hqclitest::describe(r);
        return {};
    }
    if (deviceId)
        *deviceId = r.json.value(QStringLiteral("id")).toString();
    return r.json.value(QStringLiteral("code")).toString();
}

bool DeskKit::confirm(const QString &deviceId, const QString &number)
{
    const hqclitest::Run r = m->desk.hq({QStringLiteral("device"), QStringLiteral("confirm"),
                                         deviceId, QStringLiteral("--number"), number});
    if (r.code != 0)
        qWarning().noquote() << hqclitest::describe(r);
    return r.code == 0;
}

bool DeskKit::cancel(const QString &deviceId)
{
    const hqclitest::Run r =
        m->desk.hq({QStringLiteral("device"), QStringLiteral("cancel"), deviceId});
    if (r.code != 0)
        qWarning().noquote() << hqclitest::describe(r);
    return r.code == 0;
}

} // namespace liaison::test

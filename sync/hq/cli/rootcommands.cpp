// `root init` and `cert issue`: the offline root key and the desk certificate it signs
// (DESIGN.md "Keys", HQ).

#include "cli.h"

#include "desk/rootkeyfile.h"
#include "store/atomicfile.h"

#include <QFileInfo>

namespace liaison::hqcli {

namespace {

const QString kOptOut = QStringLiteral("out");
const QString kOptPublicOut = QStringLiteral("public-out");
const QString kOptRoot = QStringLiteral("root");
const QString kOptRootPassphraseFile = QStringLiteral("root-passphrase-file");
const QString kOptDays = QStringLiteral("days");

int rootInit(Context &ctx)
{
    const QString out = ctx.value(kOptOut);
    if (out.isEmpty())
        return ctx.usage(QStringLiteral("--out FILE is required (the root key file, meant for "
                                        "removable media)"));
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("no arguments expected"));
    const QString pubOut =
        ctx.isSet(kOptPublicOut) ? ctx.value(kOptPublicOut) : out + QStringLiteral(".pub");
    if (QFileInfo::exists(out))
        return ctx.fail(
            QStringLiteral("root init"),
            Error(Errc::AlreadyExists,
                  QStringLiteral("%1 exists; a root key file is never overwritten").arg(out)));
    auto pass = ctx.passphrase(QStringLiteral("New root key passphrase"), kOptPassphraseFile, true);
    if (!pass)
        return pass.error();
    const vault::PassphraseVerdict verdict = vault::checkPassphrase(*pass);
    if (!verdict.acceptable)
        return ctx.fail(
            QStringLiteral("root init"),
            Error(Errc::WeakPassphrase, QStringLiteral("the passphrase is too weak: %1")
                                            .arg(verdict.reasons().join(QStringLiteral(" ")))));
    ctx.progress(QStringLiteral("making the root key (Argon2id, about a second) ...\n"));
    auto root = desk::createRootKeyFile(out, *pass, ctx.clock().wallMs(), ctx.kdfOverride());
    if (!root)
        return ctx.fail(QStringLiteral("root init"), root.error());
    const QByteArray pubHex = root->rootKey.toHex();
    if (auto s = store::writeFileAtomically(pubOut, pubHex + '\n', 0644); !s)
        return ctx.fail(QStringLiteral("root init"), s.error());
    ctx.result().insert(QStringLiteral("deployment"),
                        QString::fromLatin1(root->deployment.toHex()));
    ctx.result().insert(QStringLiteral("rootPublicKey"), QString::fromLatin1(pubHex));
    ctx.result().insert(QStringLiteral("file"), out);
    ctx.result().insert(QStringLiteral("publicFile"), pubOut);
    ctx.line(QStringLiteral("root key written to %1 (encrypted; keep it offline)").arg(out));
    ctx.line(QStringLiteral("deployment %1").arg(QString::fromLatin1(root->deployment.toHex())));
    ctx.line(QStringLiteral("root public key %1, also in %2 (for liaison-relay --root-key @%2)")
                 .arg(QString::fromLatin1(pubHex), pubOut));
    return ctx.finish();
}

int certIssue(Context &ctx)
{
    const QString rootPath = ctx.value(kOptRoot);
    if (rootPath.isEmpty())
        return ctx.usage(QStringLiteral("--root FILE is required (the root key file)"));
    bool ok = true;
    const int days = ctx.isSet(kOptDays) ? ctx.value(kOptDays).toInt(&ok) : 395;
    if (!ok || days < 1 ||
        qint64(days) * 24 * 3600 * 1000 + 3600 * 1000 > protocol::kHqCertMaxValidityMs)
        return ctx.usage(QStringLiteral("--days takes 1 to 396 (a certificate is valid for at "
                                        "most 13 months)"));
    auto publicPart = desk::readRootPublic(rootPath);
    if (!publicPart)
        return ctx.fail(QStringLiteral("root key file"), publicPart.error());
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    if (publicPart->rootKey != desk.config().rootKey ||
        publicPart->deployment != desk.config().deployment)
        return ctx.fail(QStringLiteral("cert issue"),
                        Error(Errc::Refused, QStringLiteral("%1 is the root key of another "
                                                            "deployment")
                                                 .arg(rootPath)));
    auto pass =
        ctx.passphrase(QStringLiteral("Root key passphrase"), kOptRootPassphraseFile, false);
    if (!pass)
        return pass.error();
    auto root = desk::openRootKeyFile(rootPath, *pass);
    if (!root)
        return ctx.fail(QStringLiteral("root key file"), root.error());
    auto cert = desk.certificateTemplate(qint64(days) * 24 * 3600 * 1000);
    if (!cert)
        return ctx.fail(QStringLiteral("cert issue"), cert.error());
    protocol::signHqCertificate(*cert, root->keys.secretKey);
    root->keys.secretKey.wipe();
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("cert issue"), s.error());
    if (auto s = desk.installCertificate(*cert); !s)
        return ctx.fail(QStringLiteral("cert issue"), s.error());
    if (auto s = desk.audit(QStringLiteral("cert.issue"), QString::number(cert->serial),
                            QStringLiteral("valid %1 .. %2")
                                .arg(isoTime(cert->notBeforeMs), isoTime(cert->notAfterMs)));
        !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("cert issue"), s.error());
    ctx.result().insert(QStringLiteral("serial"), qint64(cert->serial));
    ctx.result().insert(QStringLiteral("notBefore"), isoTime(cert->notBeforeMs));
    ctx.result().insert(QStringLiteral("notAfter"), isoTime(cert->notAfterMs));
    ctx.line(QStringLiteral("certificate %1 signed by the root key, valid %2 .. %3; the relay "
                            "gets it with the next publish")
                 .arg(cert->serial)
                 .arg(isoTime(cert->notBeforeMs), isoTime(cert->notAfterMs)));
    return ctx.finish();
}

} // namespace

void addRootCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("root"), QStringLiteral("init")},
                QStringLiteral("Make the offline root key and the deployment id (own passphrase)"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptOut,
                                 QStringLiteral("The root key file to write (never overwritten)."),
                                 QStringLiteral("file")});
                    p.addOption({kOptPublicOut,
                                 QStringLiteral("Where the root PUBLIC key goes, in hex for "
                                                "liaison-relay --root-key @FILE (default: "
                                                "FILE.pub)."),
                                 QStringLiteral("file")});
                },
                rootInit});
    out.append(
        {{QStringLiteral("cert"), QStringLiteral("issue")},
         QStringLiteral("Sign the desk's certificate with the root key file"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption({kOptRoot, QStringLiteral("The root key file."), QStringLiteral("file")});
             p.addOption({kOptRootPassphraseFile,
                          QStringLiteral("Read the root key's passphrase from the first "
                                         "line of FILE (- for stdin, after the store's)."),
                          QStringLiteral("file")});
             p.addOption({kOptDays, QStringLiteral("Validity in days (default 395, at most 396)."),
                          QStringLiteral("n")});
         },
         certIssue});
}

} // namespace liaison::hqcli

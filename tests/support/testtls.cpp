#include "testtls.h"

#include <QFile>
#include <QProcess>

#include <cstdio>

namespace liaison::test {

namespace {

QByteArray run(const QString &program, const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForStarted(10000))
        return {};
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        std::fprintf(stderr, "%s failed: %s\n", qPrintable(program),
                     p.readAllStandardError().constData());
        return {};
    }
    return p.readAllStandardOutput();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

} // namespace

TestCertificate makeSelfSignedCertificate(const QString &directory, const QString &name,
                                          const QString &commonName, const QString &subjectAltName)
{
    TestCertificate c;
    const QString cert = directory + QLatin1Char('/') + name + QStringLiteral(".crt");
    const QString key = directory + QLatin1Char('/') + name + QStringLiteral(".key");
    QProcess p;
    p.start(QStringLiteral("openssl"),
            {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
             QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
             QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
             QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-subj"),
             QStringLiteral("/CN=") + commonName, QStringLiteral("-addext"),
             QStringLiteral("subjectAltName=") + subjectAltName, QStringLiteral("-keyout"), key,
             QStringLiteral("-out"), cert});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        std::fprintf(stderr, "openssl req failed: %s\n", p.readAllStandardError().constData());
        return c;
    }
    c.certPath = cert;
    c.keyPath = key;
    c.certPem = readFile(cert);
    c.keyPem = readFile(key);
    return c;
}

CaSignedCertificate makeCaSignedCertificate(const QString &directory, const QString &name,
                                            const QString &commonName,
                                            const QString &subjectAltName)
{
    CaSignedCertificate out;
    const QString base = directory + QLatin1Char('/') + name;
    const QString caCert = base + QStringLiteral("-ca.crt"),
                  caKey = base + QStringLiteral("-ca.key");
    const QString cert = base + QStringLiteral(".crt"), key = base + QStringLiteral(".key");
    const QString csr = base + QStringLiteral(".csr"), ext = base + QStringLiteral(".ext");
    const QString openssl = QStringLiteral("openssl");
    run(openssl, {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                  QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                  QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                  QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-subj"),
                  QStringLiteral("/CN=Liaison Test CA ") + name, QStringLiteral("-addext"),
                  QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
                  QStringLiteral("keyUsage=critical,keyCertSign,cRLSign"),
                  QStringLiteral("-keyout"), caKey, QStringLiteral("-out"), caCert});
    if (!QFile::exists(caCert))
        return out;
    run(openssl, {QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"),
                  QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                  QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                  QStringLiteral("-subj"), QStringLiteral("/CN=") + commonName,
                  QStringLiteral("-keyout"), key, QStringLiteral("-out"), csr});
    QFile extFile(ext);
    if (!extFile.open(QIODevice::WriteOnly) ||
        extFile.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                      "extendedKeyUsage=serverAuth\nsubjectAltName=" +
                      subjectAltName.toLatin1() + "\n") < 0)
        return out;
    extFile.close();
    run(openssl, {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
                  QStringLiteral("-CA"), caCert, QStringLiteral("-CAkey"), caKey,
                  QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("30"),
                  QStringLiteral("-extfile"), ext, QStringLiteral("-out"), cert});
    if (!QFile::exists(cert))
        return out;
    out.leaf.certPath = cert;
    out.leaf.keyPath = key;
    out.leaf.certPem = readFile(cert);
    out.leaf.keyPem = readFile(key);
    out.caCertPath = caCert;
    out.caCertPem = readFile(caCert);
    return out;
}

QByteArray opensslSpkiSha256(const QString &certPath)
{
    const QByteArray pub =
        run(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-in"), certPath,
                                        QStringLiteral("-pubkey"), QStringLiteral("-noout")});
    if (pub.isEmpty())
        return {};
    const QByteArray der = run(QStringLiteral("openssl"),
                               {QStringLiteral("pkey"), QStringLiteral("-pubin"),
                                QStringLiteral("-outform"), QStringLiteral("der")},
                               pub);
    if (der.isEmpty())
        return {};
    return run(QStringLiteral("openssl"),
               {QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-binary")}, der);
}

} // namespace liaison::test

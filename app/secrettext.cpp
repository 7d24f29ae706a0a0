#include "secrettext.h"

#include <QFile>
#include <QStringEncoder>

#include <algorithm>

namespace liaison::app {

crypto::SecretBytes secretFromText(QStringView text)
{
    if (text.isEmpty())
        return {};
    QStringEncoder encoder(QStringEncoder::Utf8);
    crypto::SecretBytes scratch(std::size_t(encoder.requiredSpace(text.size())));
    char *begin = reinterpret_cast<char *>(scratch.data());
    char *end = encoder.appendToBuffer(begin, text);
    crypto::SecretBytes exact(std::size_t(end - begin));
    std::copy(begin, end, reinterpret_cast<char *>(exact.data()));
    return exact; // scratch is wiped by its destructor
}

crypto::SecretBytes readPassphraseLine()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return {};
    QByteArray line = in.readLine(4096);
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    crypto::SecretBytes secret = crypto::SecretBytes::copyOf(line);
    line.fill('\0');
    return secret;
}

} // namespace liaison::app

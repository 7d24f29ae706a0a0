#include "secrettext.h"

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

} // namespace liaison::app

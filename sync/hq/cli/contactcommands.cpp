// `contact add|edit|delete|list|import|export`.

#include "cli.h"

namespace liaison::hqcli {

void addContactCommands(QList<Command> &) {}

} // namespace liaison::hqcli

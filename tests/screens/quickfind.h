#pragma once

// Finding the app's items by objectName, for the tools of liaison-screens (test builds only).

#include <QQuickItem>
#include <QString>

namespace liaison::app {

// Items made by Loader, StackView and ListView are visual children, not always QObject children:
// the search walks childItems().
inline QQuickItem *findQuickItem(QQuickItem *item, const QString &objectName)
{
    if (!item)
        return nullptr;
    if (item->objectName() == objectName)
        return item;
    const QList<QQuickItem *> children = item->childItems();
    for (QQuickItem *child : children) {
        if (QQuickItem *found = findQuickItem(child, objectName))
            return found;
    }
    return nullptr;
}

} // namespace liaison::app

import QtQuick
import QtQuick.Controls
import Liaison

// A small rounded label: status, channel, priority. The word carries the meaning; the colour helps.
Rectangle {
    id: root

    property string text
    property color tint: Theme.muted
    property bool filled: false

    implicitWidth: label.implicitWidth + 16
    implicitHeight: 24
    radius: 12
    color: root.filled ? root.tint : Qt.rgba(root.tint.r, root.tint.g, root.tint.b, 0.12)
    border.width: root.filled ? 0 : 1
    border.color: Qt.rgba(root.tint.r, root.tint.g, root.tint.b, 0.45)

    Label {
        id: label
        anchors.centerIn: parent
        text: root.text
        color: root.filled ? "white" : root.tint
        font.pixelSize: 12
        font.weight: Font.DemiBold
    }
}

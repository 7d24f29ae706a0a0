import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// One labelled value in a card. `actionable`: a tap asks for the row's action (call, write),
// a long press for a copy; the card decides what each means, through the controller.
ItemDelegate {
    id: root

    property string label
    property string value
    property bool actionable: false
    property string badge
    property color badgeTint: Theme.ok

    signal activated()
    signal copyRequested()

    implicitHeight: Math.max(Theme.touchTarget + 8, content.implicitHeight + 16)
    leftPadding: 0
    rightPadding: 0
    enabled: root.value.length > 0
    hoverEnabled: false
    Accessible.name: root.label.length > 0 ? root.label + ": " + root.value : root.value
    onClicked: if (root.actionable) root.activated()
    onPressAndHold: root.copyRequested()

    contentItem: RowLayout {
        id: content
        spacing: Theme.spacing
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 2
            Label {
                Layout.fillWidth: true
                text: root.value
                wrapMode: Text.WordWrap
                color: root.actionable ? Theme.accent : Theme.textPrimary
                font.pixelSize: Theme.fontSizeBody + 1
            }
            Label {
                Layout.fillWidth: true
                visible: root.label.length > 0
                text: root.label
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
            }
        }
        StatusChip {
            visible: root.badge.length > 0
            text: root.badge
            tint: root.badgeTint
            filled: true
        }
    }
}

import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// One labelled value in a card; tappable when `link` is set (tel:, mailto:).
ItemDelegate {
    id: root

    property string label
    property string value
    property string link
    property string badge
    property color badgeTint: Theme.ok

    implicitHeight: Math.max(Theme.touchTarget + 8, content.implicitHeight + 16)
    leftPadding: 0
    rightPadding: 0
    enabled: root.value.length > 0
    hoverEnabled: root.link.length > 0
    onClicked: if (root.link.length > 0) Qt.openUrlExternally(root.link)

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
                color: root.link.length > 0 ? Theme.accent : Theme.textPrimary
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

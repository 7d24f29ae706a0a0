import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// The desktop's local notification (notifier.h): one line saying what kind of thing arrived
// ("New instruction from HQ"), never its content, until the officer dismisses it.
Rectangle {
    id: root

    required property InAppNotice notice

    objectName: "noticeBanner"
    visible: root.notice.text.length > 0
    implicitHeight: row.implicitHeight + 8
    color: Theme.surface

    Rectangle {
        anchors { left: parent.left; top: parent.top; bottom: parent.bottom }
        width: 4
        color: Theme.accent
    }
    Rectangle {
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: 1
        color: Theme.divider
    }
    RowLayout {
        id: row
        anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter }
        anchors.leftMargin: Theme.margin
        spacing: 8
        Label {
            objectName: "noticeText"
            Layout.fillWidth: true
            text: root.notice.text
            wrapMode: Text.WordWrap
            font.pixelSize: Theme.fontSizeBody
            font.weight: Font.DemiBold
            Accessible.role: Accessible.AlertMessage
        }
        ToolButton {
            objectName: "dismissNotice"
            Layout.preferredHeight: Theme.touchTarget
            text: qsTr("Dismiss")
            font.capitalization: Font.MixedCase
            Accessible.name: qsTr("Dismiss the notice")
            onClicked: root.notice.dismiss()
        }
    }
}

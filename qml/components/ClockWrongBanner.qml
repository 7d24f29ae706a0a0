import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// Shown while the wall clock differs from HQ's verified time by more than two minutes.
Rectangle {
    id: root

    objectName: "clockWrongBanner"
    implicitHeight: text.implicitHeight + 20
    color: Theme.warningBackground

    Rectangle {
        anchors { left: parent.left; top: parent.top; bottom: parent.bottom }
        width: 4
        color: Theme.warning
    }
    Label {
        id: text
        anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter }
        anchors.leftMargin: Theme.margin
        anchors.rightMargin: Theme.margin
        wrapMode: Text.WordWrap
        color: Theme.textPrimary
        font.pixelSize: Theme.fontSizeSmall
        text: qsTr("<b>The device clock is wrong.</b> Set the correct date and time. Until then Liaison stamps your changes with HQ's time.")
        textFormat: Text.StyledText
    }
}

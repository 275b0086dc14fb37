Option Explicit

' xlreport ribbon callbacks.  ASCII only: VBA source is stored in a Windows code page,
' so every Chinese text lives in customUI14.xml and in Python (xlreport.excel).
' One generic callback: the button's tag names the action, Python does the rest.

Sub XlreportRibbon_OnAction(control As IRibbonControl)
    RunPython "import xlreport.excel; xlreport.excel.on_ribbon('" & control.Tag & "')"
End Sub

# SSDLite-MobileNetV2 on the bundled toy VOC set, trained from scratch.
_base_ = './ssdlite_mobilenext_toy.py'

# As ssdlite_mobilenext_voc.py, trained on VOC2007 trainval alone.
_base_ = './ssdlite_mobilenext_voc.py'

train_dataloader = dict(dataset=dict(datasets=[{{_base_.voc07_trainval}}]))

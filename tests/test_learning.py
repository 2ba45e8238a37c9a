"""SSDLite-MobileNeXt learns: the toy config reaches VOC07 mAP >= 0.5."""


def test_ssdlite_mobilenext_learns_the_toy_set(trained_toy_detector):
    _, metrics = trained_toy_detector
    trained = metrics['pascal_voc/mAP']
    assert trained >= 0.5, f'mAP {trained:.3f} after training'

"""A VOC set with faults: each is named when the dataset is built, by
the dataset doctor, or where training meets it; a set with none passes."""
import re
import shutil

import pytest
from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS
from mmengine.config import Config

from mnx_det.datasets import AnnotationError, MissingImageError
from mnx_det.errors import ImageLoadError
from helpers import (TOY_CONFIG, as_cli, iterations_run, run_script, run_tool,
                     toy_cfg_options, train_toy)


def xml(root, img_id):
    return root / 'VOC2007' / 'Annotations' / f'{img_id}.xml'


def jpeg(root, img_id):
    return root / 'VOC2007' / 'JPEGImages' / f'{img_id}.jpg'


def edit_xml(root, img_id, old, new, count=1):
    path = xml(root, img_id)
    text = path.read_text()
    assert re.search(old, text), (old, text)
    path.write_text(re.sub(old, new, text, count=count))
    return path


def swap_x(root, img_id):
    """Swap the first object's xmin and xmax."""
    text = xml(root, img_id).read_text()
    x1 = re.search(r'<xmin>(\d+)</xmin>', text).group(1)
    x2 = re.search(r'<xmax>(\d+)</xmax>', text).group(1)
    return edit_xml(root, img_id, f'<xmin>{x1}</xmin>(.*?)<xmax>{x2}</xmax>',
                    f'<xmin>{x2}</xmin>\\1<xmax>{x1}</xmax>')


def toy_dataset(root, **changes):
    cfg = Config.fromfile(str(TOY_CONFIG))
    dataset_cfg = cfg.train_dataloader.dataset.datasets[0]
    dataset_cfg.update(data_root=f'{root}/', **changes)
    return DATASETS.build(dataset_cfg)


def test_swapped_box_stops_training_before_it_starts(toy_copy, tmp_path):
    path = swap_x(toy_copy, '000002')
    result = train_toy(toy_copy, tmp_path / 'run')
    assert result.returncode != 0
    assert re.search(
        rf'error: invalid annotation .*\n{re.escape(str(path))}: object 0 '
        r'\(\w+\): xmax \d+ <= xmin \d+', result.stderr)
    assert iterations_run(result) == []
    assert not list((tmp_path / 'run').glob('*.pth'))


@pytest.mark.parametrize('old, new, message', [
    (r'<xmin>\d+</xmin>', '<xmin>500</xmin>', 'xmax .* <= xmin 500'),
    (r'<xmin>\d+</xmin><ymin>\d+</ymin><xmax>\d+</xmax><ymax>\d+</ymax>',
     '<xmin>300</xmin><ymin>300</ymin><xmax>400</xmax><ymax>400</ymax>',
     r'box \(300, 300, 400, 400\) is outside the 160x160 image'),
    (r'<ymin>\d+</ymin>', '<ymin>abc</ymin>', "<ymin> is not a number: 'abc'"),
    (r'<xmax>\d+</xmax>', '<xmax>nan</xmax>',
     "<xmax> is not a finite number: 'nan'"),
    (r'<xmin>\d+</xmin>', '<xmin>-inf</xmin>',
     "<xmin> is not a finite number: '-inf'"),
    (r'<ymax>\d+</ymax>', '<ymax>1e999</ymax>',
     "<ymax> is not a finite number: '1e999'"),
    (r'<bndbox>.*</bndbox>', '', 'no <bndbox>'),
    (r'<name>\w+</name>', '<name>tvmonitr</name>',
     "class 'tvmonitr' is not in the class list")
])
def test_bad_objects_are_named(toy_copy, old, new, message):
    path = edit_xml(toy_copy, '000003', old, new)
    with pytest.raises(AnnotationError) as error:
        toy_dataset(toy_copy)
    assert re.search(rf'{re.escape(str(path))}: object 0 \(\w+\): {message}',
                     str(error.value)), str(error.value)


@pytest.mark.parametrize('value', ['nan', 'inf', '1e999'])
def test_size_that_is_not_finite_is_named(toy_copy, value):
    path = edit_xml(toy_copy, '000003', r'<width>\d+</width>',
                    f'<width>{value}</width>')
    with pytest.raises(AnnotationError) as error:
        toy_dataset(toy_copy)
    assert (f"{path}: no usable <size>: <width> is not a finite number: "
            f"'{value}'") in str(error.value)


def test_invalid_objects_can_be_skipped(toy_copy, log_lines):
    swap_x(toy_copy, '000002')
    edit_xml(toy_copy, '000004', r'<name>\w+</name>', '<name>tvmonitr</name>')
    dataset = toy_dataset(toy_copy, invalid_objects='skip')
    counts = {
        dataset.get_data_info(i)['img_id']:
        len(dataset.get_data_info(i)['instances'])
        for i in range(len(dataset))
    }
    log = '\n'.join(log_lines)
    assert 'skipped 2 invalid objects in 2 files' in log
    assert str(xml(toy_copy, '000002')) in log
    # the objects are gone; images left without any leave training
    for img_id in ('000002', '000004'):
        assert counts.get(img_id, 0) < _objects(toy_copy, img_id)


def _objects(root, img_id):
    return xml(root, img_id).read_text().count('<object>')


def test_other_voc_classes_are_a_subset_not_an_error(toy_copy):
    edit_xml(toy_copy, '000003', r'<name>\w+</name>', '<name>dog</name>')
    dataset = toy_dataset(toy_copy)  # 'dog' is VOC's: dropped, as mmdet does
    assert len(dataset) > 0


def test_listed_image_that_is_missing_stops_the_build(toy_copy):
    jpeg(toy_copy, '000005').unlink()
    with pytest.raises(MissingImageError, match='000005.jpg of id'):
        toy_dataset(toy_copy)


def test_plain_vocdataset_names_bad_files_but_not_bugs(toy_copy, monkeypatch):
    cfg = Config.fromfile(str(TOY_CONFIG)).train_dataloader.dataset.datasets[0]
    cfg.update(type='VOCDataset', data_root=f'{toy_copy}/')
    path = edit_xml(toy_copy, '000003', r'<xmax>\d+</xmax>', '<xmax></xmax>')
    with pytest.raises(AnnotationError, match=re.escape(str(path))):
        DATASETS.build(cfg)  # mmdet's TypeError, explained by the file
    edit_xml(toy_copy, '000003', '<xmax></xmax>', '<xmax>60</xmax>')

    def broken(*args, **kwargs):
        raise AttributeError('a bug, not a bad file')

    monkeypatch.setattr(VOCDataset, '_parse_instance_info', broken)
    with pytest.raises(AttributeError, match='a bug'):
        DATASETS.build(cfg)


@pytest.mark.parametrize('content', [b'', b'not a jpeg at all'])
def test_undecodable_image_is_named(toy_copy, content):
    path = jpeg(toy_copy, '000003')
    path.write_bytes(content)
    dataset = toy_dataset(toy_copy)
    index = [dataset.get_data_info(i)['img_id']
             for i in range(len(dataset))].index('000003')
    with pytest.raises(ImageLoadError, match=f'failed to load image: {path}'):
        dataset[index]


def test_doctor_finds_every_fault_in_one_pass(toy_copy):
    swapped = swap_x(toy_copy, '000002')
    outside = edit_xml(
        toy_copy, '000003',
        r'<xmin>\d+</xmin><ymin>\d+</ymin><xmax>\d+</xmax><ymax>\d+</ymax>',
        '<xmin>300</xmin><ymin>300</ymin><xmax>400</xmax><ymax>400</ymax>')
    typo = edit_xml(toy_copy, '000004', r'<name>\w+</name>',
                    '<name>tvmonitr</name>')
    no_box = edit_xml(toy_copy, '000006', r'<bndbox>.*</bndbox>', '')
    malformed = xml(toy_copy, '000007')
    malformed.write_text('<annotation><object><name>sheep</name>')
    empty = jpeg(toy_copy, '000008')
    empty.write_bytes(b'')
    missing = jpeg(toy_copy, '000009')
    missing.unlink()
    result = run_tool(['tools/misc/check_dataset.py', TOY_CONFIG] +
                      as_cli(toy_cfg_options(f'{toy_copy}/')))
    assert result.returncode == 1
    out = result.stdout
    for path, problem in [(swapped, 'xmax'), (outside, 'outside'),
                          (typo, "class 'tvmonitr'"), (no_box, 'no <bndbox>'),
                          (malformed, 'unreadable XML'),
                          (empty, 'cannot decode image'),
                          (missing, 'image does not exist')]:
        assert re.search(rf'{re.escape(str(path))}: .*{problem}', out), path
    assert '7 problems:' in out
    assert 'objects per class:' in out and '16 images checked' in out


def _test_split(root):
    return root / 'VOC2007' / 'ImageSets' / 'Main' / 'test.txt'


@pytest.mark.parametrize('fault, problem', [
    ('typo', r"no object of the class 'botle' \(a typo of 'bottle'\? "
     r'It has \d+ objects here\)'),
    ('string', "metainfo.classes is the string 'sheep', which the dataset "
     r"reads letter by letter: write classes=\('sheep', \)"),
    ('empty', 'test.txt: lists no images'),
    ('twice', r'test.txt: lists \d{6} 2 times'),
])
def test_doctor_finds_split_and_class_faults(toy_copy, fault, problem):
    split = _test_split(toy_copy)
    classes = {'typo': '(sheep,tvmonitor,botle)', 'string': 'sheep'}
    if fault == 'empty':
        split.write_text('')
    if fault == 'twice':
        split.write_text(split.read_text() + split.read_text().split()[0] +
                         '\n')
    options = toy_cfg_options(f'{toy_copy}/')
    if fault in classes:
        options['test_dataloader.dataset.metainfo.classes'] = classes[fault]
    result = run_tool(
        ['tools/misc/check_dataset.py', TOY_CONFIG, '--split', 'test'] +
        as_cli(options))
    assert result.returncode == 1, result.stdout[-2000:]
    assert re.search(problem, result.stdout), result.stdout[-2000:]
    assert 'no problems found' not in result.stdout


def test_doctor_passes_a_clean_set(small_toy_voc):
    result = run_tool(
        ['tools/misc/check_dataset.py', TOY_CONFIG, '--split', 'test'] +
        as_cli(toy_cfg_options(f'{small_toy_voc}')))
    assert result.returncode == 0, result.stdout[-2000:]
    assert 'no problems found' in result.stdout


def test_corrupt_image_in_training_is_one_error_line(small_toy_voc, tmp_path,
                                                     monkeypatch, capsys):
    root = tmp_path / 'VOCdevkit'
    shutil.copytree(small_toy_voc, root)
    for image in (root / 'VOC2007/JPEGImages').glob('*.jpg'):
        image.write_bytes(b'')  # whichever image comes first
    # a loader worker re-raises the error with its whole traceback
    options = toy_cfg_options(
        f'{root}/', **{
            'train_dataloader.batch_size': 2,
            'train_dataloader.num_workers': 1,
            'train_dataloader.persistent_workers': False,
        })
    code = run_script(
        ['tools/train.py', TOY_CONFIG, '--work-dir', tmp_path / 'run'] +
        as_cli(options), monkeypatch)
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1].startswith(
        f'error: failed to load image: {root}/VOC2007/JPEGImages/')
    assert 'Traceback' not in err

"""Fixtures of the qa tests: a small real index shared by the retrieval and abstention tests."""

from __future__ import annotations

import pytest

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.store import NewsIndex
from newsqa.types import Document

# Eight short news articles in both scripts, some on neighbouring topics (two metro
# systems, two railways, two ports), several long enough to be split into passages.
ARTICLES = {
    "taipei-metro.txt": ("臺北捷運路網持續擴張", "2024-01-02", (
        "臺北捷運是服務臺北都會區的大眾捷運系統，第一條路線文湖線的木柵段於1996年3月28日通車，採用中運量膠輪系統。"
        "目前路網包括文湖線、淡水信義線、松山新店線、中和新蘆線與板南線等路線，每日平均運量超過200萬人次。\n\n"
        "環狀線第一階段於2020年1月31日通車，從大坪林站到新北產業園區站，全長約15.4公里，設有14座車站。"
        "環狀線是臺北捷運第一條不經過臺北市中心的路線，以無人駕駛的中運量列車營運。\n\n"
        "捷運公司表示，萬大線第一期工程預計在2025年完工，屆時將連接中正紀念堂站與新北市中和區。"
    )),
    "shanghai-metro.txt": ("上海地铁运营里程居全球前列", "2024-03-05", (
        "上海地铁1号线于1993年5月28日开通试运营，是上海第一条地铁线路，也是中国大陆第三个开通地铁的城市的首条线路。"
        "截至2023年底，上海地铁运营线路共20条，运营里程达到831公里，车站508座。\n\n"
        "上海地铁日均客流量超过1000万人次，2019年3月9日曾创下单日客流1329.4万人次的纪录。"
        "上海磁浮示范运营线连接龙阳路站与浦东国际机场，最高运行时速为300公里。"
    )),
    "hangzhou-games.txt": ("杭州亚运会圆满落幕", "2023-10-09", (
        "第19届亚洲运动会于2023年9月23日在杭州奥体中心体育场开幕，10月8日闭幕，共设40个大项、61个分项、481个小项。"
        "中国体育代表团共获得201枚金牌、111枚银牌和71枚铜牌，连续第11次位居金牌榜首位。\n\n"
        "本届亚运会首次使用数字火炬手参与主火炬点燃仪式，超过一亿名线上参与者汇聚成数字火炬手。"
    )),
    "kaohsiung-port.txt": ("高雄港貨櫃量回穩", "2023-12-20", (
        "高雄港是臺灣最大的國際商港，位於高雄市，擁有兩個港口出入口。2022年高雄港貨櫃裝卸量約949萬TEU，全球排名第十七。"
        "第七貨櫃中心於2023年啟用，可停靠二萬四千TEU級的超大型貨櫃船。\n\n"
        "臺中港則以散雜貨及能源進口為主，是臺灣中部最重要的港口。"
    )),
    "change5.txt": ("嫦娥五号带回月球样品", "2020-12-19", (
        "嫦娥五号探测器于2020年11月24日在文昌航天发射场由长征五号运载火箭发射升空。"
        "探测器在月球风暴洋北部着陆，通过钻取和表取两种方式采集样品。\n\n"
        "2020年12月17日，嫦娥五号返回器携带1731克月球样品在内蒙古四子王旗着陆场安全着陆，"
        "这是中国首次实现地外天体采样返回，也是人类时隔44年再次从月球带回样品。"
    )),
    "thsr.txt": ("臺灣高鐵通車十七年", "2024-01-05", (
        "臺灣高速鐵路於2007年1月5日通車營運，路線自臺北市南港站至高雄市左營站，全長約350公里。"
        "列車最高營運速度為每小時300公里，臺北到左營最快約需1小時45分鐘。\n\n"
        "高鐵採用日本新幹線700T型列車，共有12節車廂。2023年全年旅運量達到7300萬人次，創下通車以來的新高。"
    )),
    "three-gorges.txt": ("三峡工程发挥综合效益", "2023-07-01", (
        "三峡大坝位于湖北省宜昌市三斗坪镇，是世界上规模最大的水电站。大坝于1994年12月14日正式动工，"
        "2006年5月20日全线建成，坝顶高程185米，坝轴线全长2309.5米。\n\n"
        "三峡电站共安装32台70万千瓦水轮发电机组和2台5万千瓦电源机组，总装机容量为2250万千瓦。"
        "三峡船闸为双线五级船闸，可通过万吨级船队。"
    )),
    "palace-museum.txt": ("故宮南院展出翠玉白菜", "2023-05-18", (
        "國立故宮博物院收藏近七十萬件文物，其中以翠玉白菜、肉形石與毛公鼎最受參觀者歡迎。"
        "翠玉白菜以一塊半白半綠的翠玉雕成，菜葉上停著兩隻昆蟲，據信原為清光緒皇帝瑾妃的嫁妝。\n\n"
        "故宮南部院區位於嘉義縣太保市，於2015年12月28日開館，以亞洲藝術文化為主題。"
    )),
}


@pytest.fixture(scope="session")
def small_news_index(e5_model_dir, tmp_path_factory):
    """A ``NewsIndex`` of ``ARTICLES`` with the real e5 model, split into short passages."""
    # Short passages, so that most articles are split and the right passage has to win.
    settings = Settings.load(embedding_model=str(e5_model_dir), chunk_size=120, chunk_overlap=20, chunk_min_size=40)
    embedder, chunker = build_components(settings)
    idx = NewsIndex.create(tmp_path_factory.mktemp("regression") / "index", embedder, chunker)
    idx.upsert(
        [
            Document(doc_id=name, title=title, text=text, date=date, source_file=name)
            for name, (title, date, text) in ARTICLES.items()
        ],
        show_progress=False,
    )
    assert len(idx.chunks) >= 2 * len(ARTICLES)  # articles are split into passages
    return idx

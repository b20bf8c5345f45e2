package demo

// The vocabulary of equipment manufacturing (装备制造业) from which names,
// patent titles, abstracts and claims are built. Everything here is
// synthetic; only the IPC and GB/T 4754 codes are real.

// topic is one technical area: its IPC codes (all exist in the IPC table),
// the devices, parts and functions that patents of the area talk about.
type topic struct {
	key     string
	field   string   // 技术领域, as in "本发明涉及…技术领域"
	ipc     []string // candidate IPC codes, normalised
	objects []string // devices: the subject of titles
	parts   []string // components: the elements of claims
	funcs   []string // what a part does: 冷却, 夹紧 …
	issues  []string // problems the patent solves
	designs []string // products shown in design patents
	steps   []string // method steps (inventions); may use {obj} and {part}
}

var topics = []topic{
	{
		key: "cnc", field: "数控机床",
		ipc:     []string{"B23Q1/00", "B23Q1/25", "B23Q3/06", "B23Q5/10", "B23Q11/00", "B23Q15/00", "B23Q17/00", "B23B31/00", "B23B25/00", "B23C3/00", "G05B19/18"},
		objects: []string{"数控机床", "数控车床", "立式加工中心", "卧式加工中心", "数控铣床", "数控钻床", "龙门加工中心", "数控镗铣床", "车铣复合数控机床"},
		parts:   []string{"主轴", "刀库", "刀塔", "尾座", "液压卡盘", "工作台", "直线导轨", "滚珠丝杠", "主轴箱", "排屑器", "冷却喷嘴", "防护门", "工件夹具", "进给机构", "床身", "立柱", "横梁", "对刀仪"},
		funcs:   []string{"冷却", "润滑", "换刀", "夹紧", "定位", "排屑", "防护", "对刀", "减振", "热补偿"},
		issues:  []string{"主轴热变形导致加工精度下降", "切屑堆积影响加工", "刀具磨损难以及时发现", "工件装夹定位误差大", "换刀时间长"},
		designs: []string{"数控车床", "立式加工中心", "数控机床防护罩", "数控铣床", "刀塔"},
		steps:   []string{"采集{obj}{part}的温度与振动信号", "根据所述信号计算{part}的热变形量", "由数控系统对各进给轴的坐标进行补偿", "将工件装夹于{part}并完成对刀", "按加工程序控制{part}完成切削加工", "检测加工尺寸并反馈至数控系统"},
	},
	{
		key: "hydraulic", field: "液压",
		ipc:     []string{"F15B15/14", "F15B13/02", "F15B11/00", "F15B21/00", "F15B1/26", "F15B20/00"},
		objects: []string{"液压油缸", "液压系统", "液压站", "液压缸", "液压泵站", "液压升降平台", "液压马达", "液压动力单元", "液压夹具"},
		parts:   []string{"活塞杆", "缸筒", "活塞", "密封圈", "电磁换向阀", "溢流阀", "蓄能器", "油箱", "柱塞泵", "导向套", "缓冲套", "油管接头", "液压锁", "冷却器", "回油过滤器", "压力传感器"},
		funcs:   []string{"缓冲", "密封", "散热", "保压", "同步", "泄压", "过滤", "调速"},
		issues:  []string{"油液泄漏", "油温过高", "液压冲击大", "活塞杆偏载磨损", "多缸动作不同步"},
		designs: []string{"液压站", "液压油缸", "液压泵站", "液压升降平台"},
		steps:   []string{"由压力传感器实时检测{obj}的系统压力", "控制器比较所述压力与设定值", "调节电磁换向阀的开度使{part}平稳动作", "在行程末端启动缓冲以降低液压冲击", "监测油温并在超限时启动冷却器"},
	},
	{
		key: "welding", field: "焊接",
		ipc:     []string{"B23K37/00", "B23K37/02", "B23K37/04", "B23K9/00", "B23K26/00", "B23K31/02", "B25J11/00"},
		objects: []string{"焊接机器人", "自动焊接机", "激光焊接机", "焊接工作站", "氩弧焊机", "焊接变位机", "埋弧焊机", "焊接专机"},
		parts:   []string{"焊枪", "送丝机构", "焊接夹具", "变位机", "清枪装置", "焊缝跟踪传感器", "保护气管", "焊接电源", "导电嘴", "工件托架", "焊接烟尘净化器", "翻转机构"},
		funcs:   []string{"定位", "夹紧", "焊缝跟踪", "清枪", "冷却", "翻转", "除烟"},
		issues:  []string{"焊缝偏移", "焊接变形", "飞溅物堆积", "人工焊接效率低", "焊接烟尘危害工人健康"},
		designs: []string{"焊接机器人", "焊接变位机", "焊机", "焊枪"},
		steps:   []string{"通过焊缝跟踪传感器获取焊缝位置", "规划{obj}的焊接路径", "控制{part}按所述路径施焊", "焊接完成后由清枪装置清理焊枪", "检测焊缝质量并记录焊接参数"},
	},
	{
		key: "reducer", field: "机械传动",
		ipc:     []string{"F16H1/28", "F16H57/02", "F16H57/04", "F16H1/16", "F16H55/17", "F16H48/00"},
		objects: []string{"减速器", "齿轮箱", "行星减速机", "蜗轮蜗杆减速器", "齿轮减速电机", "变速箱", "RV减速器", "谐波减速器"},
		parts:   []string{"输入轴", "输出轴", "行星齿轮", "太阳轮", "内齿圈", "行星架", "蜗杆", "蜗轮", "箱体", "轴承座", "油封", "斜齿轮", "端盖"},
		funcs:   []string{"润滑", "散热", "密封", "消隙", "减振", "降噪"},
		issues:  []string{"齿轮磨损快", "润滑油渗漏", "传动噪声大", "回程间隙大", "箱体散热差"},
		designs: []string{"减速器", "齿轮箱", "减速电机"},
		steps:   []string{"加工{part}的齿形并进行渗碳淬火", "对{part}进行精密磨齿", "按预定间隙装配{obj}", "进行空载跑合与噪声检测"},
	},
	{
		key: "conveyor", field: "输送设备",
		ipc:     []string{"B65G15/00", "B65G21/00", "B65G47/00", "B65G47/90", "B65G47/74", "B65G43/08", "B65G13/00"},
		objects: []string{"输送装置", "带式输送机", "链板输送机", "滚筒输送线", "螺旋输送机", "分拣输送系统", "斗式提升机", "自动上料机"},
		parts:   []string{"输送带", "驱动滚筒", "链板", "托辊", "张紧装置", "驱动电机", "导向板", "挡料板", "分拣机构", "光电传感器", "料仓", "机架", "刮料板"},
		funcs:   []string{"张紧", "纠偏", "分拣", "上料", "限位", "清扫", "计数"},
		issues:  []string{"输送带跑偏", "物料堆积", "物料洒落", "人工分拣效率低"},
		designs: []string{"输送机", "分拣机", "提升机"},
		steps:   []string{"由光电传感器检测{obj}上的物料位置", "根据物料类型控制{part}动作", "将物料分拣至对应的料仓", "统计输送数量并上传"},
	},
	{
		key: "mould", field: "模具",
		ipc:     []string{"B21D37/10", "B21D28/00", "B21D22/00", "B21D43/00", "B29C45/00", "B29C45/17", "B29C33/00", "B22D17/00"},
		objects: []string{"冲压模具", "注塑模具", "压铸模具", "级进模", "拉伸模具", "折弯模具", "五金冲压模具", "汽车零部件模具"},
		parts:   []string{"上模座", "下模座", "凸模", "凹模", "模架", "顶针", "导柱", "导套", "脱料板", "浇口套", "冷却水道", "型芯", "滑块", "斜顶", "定位销"},
		funcs:   []string{"冷却", "脱模", "顶出", "定位", "排气", "导向", "快速换模"},
		issues:  []string{"产品变形", "脱模困难", "模具磨损", "产品飞边多", "换模时间长"},
		designs: []string{"模具", "模架", "冲压模具"},
		steps:   []string{"根据产品结构设计{obj}的分型面", "加工{part}并进行热处理", "在{part}内布置随形冷却水道", "试模并修正{part}尺寸"},
	},
	{
		key: "valve", field: "阀门",
		ipc:     []string{"F16K1/00", "F16K1/22", "F16K5/06", "F16K17/00", "F16K27/00", "F16K31/00", "F16K41/00"},
		objects: []string{"阀门", "球阀", "蝶阀", "闸阀", "截止阀", "止回阀", "调节阀", "电动阀门", "气动阀门", "安全阀"},
		parts:   []string{"阀体", "阀芯", "阀杆", "阀座", "阀盖", "密封圈", "手轮", "执行器", "填料函", "球体", "蝶板", "弹簧"},
		funcs:   []string{"密封", "防泄漏", "调节", "限位", "自锁", "防冲刷"},
		issues:  []string{"阀门内漏", "阀杆卡滞", "密封面磨损", "启闭力矩大"},
		designs: []string{"阀门", "球阀", "蝶阀", "阀门执行器"},
		steps:   []string{"铸造{obj}的{part}毛坯", "对{part}密封面进行堆焊与研磨", "装配并进行壳体压力试验", "进行密封性能检测"},
	},
	{
		key: "control", field: "自动控制",
		ipc:     []string{"G05B19/05", "G05B19/042", "G05B19/414", "G05B19/418", "G05B23/02"},
		objects: []string{"PLC控制系统", "自动化控制系统", "生产线控制系统", "设备监控系统", "智能控制柜", "运动控制系统", "数控系统"},
		parts:   []string{"PLC控制器", "触摸屏", "伺服驱动器", "变频器", "传感器", "数据采集模块", "通信模块", "上位机", "报警单元", "编码器", "电气柜"},
		funcs:   []string{"监测", "报警", "控制", "数据采集", "故障诊断", "远程监控"},
		issues:  []string{"设备故障不能及时发现", "控制响应滞后", "人工干预多", "生产数据无法追溯"},
		designs: []string{"控制柜", "操作面板", "触摸屏控制器"},
		steps:   []string{"通过{part}采集设备运行数据", "由PLC控制器根据控制逻辑输出控制指令", "将运行数据上传至上位机", "当参数超出阈值时由报警单元报警"},
	},
	{
		key: "robot", field: "工业机器人",
		ipc:     []string{"B25J9/00", "B25J9/16", "B25J15/00", "B25J19/00", "B25J11/00"},
		objects: []string{"工业机器人", "机械手", "搬运机器人", "码垛机器人", "上下料机械手", "桁架机械手", "协作机器人"},
		parts:   []string{"机械臂", "夹爪", "真空吸盘", "手腕", "关节", "伺服电机", "底座", "视觉相机", "末端执行器", "旋转座", "直线模组"},
		funcs:   []string{"抓取", "定位", "避障", "搬运", "码垛", "快换"},
		issues:  []string{"抓取不稳定", "定位精度低", "人工上下料效率低", "碰撞风险高"},
		designs: []string{"工业机器人", "机械手", "机器人夹爪"},
		steps:   []string{"通过视觉相机识别工件的位置和姿态", "计算{obj}的运动轨迹", "控制{part}抓取工件并放置到目标位置", "检测抓取状态并反馈"},
	},
	{
		key: "bearing", field: "轴承",
		ipc:     []string{"F16C19/00", "F16C33/00", "F16C33/58", "F16C17/00", "F16C35/06"},
		objects: []string{"滚动轴承", "圆锥滚子轴承", "深沟球轴承", "滑动轴承", "轴承座", "直线轴承", "调心滚子轴承"},
		parts:   []string{"内圈", "外圈", "滚动体", "保持架", "密封盖", "润滑油路", "防尘盖", "轴承套"},
		funcs:   []string{"润滑", "密封", "防尘", "散热", "预紧"},
		issues:  []string{"轴承发热", "滚道磨损", "润滑脂流失", "粉尘进入"},
		designs: []string{"轴承", "轴承座"},
		steps:   []string{"车削{part}并进行热处理", "磨削{part}的滚道", "装配{obj}并注入润滑脂", "检测振动与游隙"},
	},
	{
		key: "press", field: "锻压设备",
		ipc:     []string{"B30B15/00", "B30B15/16", "B30B1/18", "B21J9/00", "B21D5/00"},
		objects: []string{"液压机", "冲床", "压力机", "数控折弯机", "锻压机", "伺服压力机", "四柱液压机"},
		parts:   []string{"滑块", "工作台", "机身", "上模", "下模", "主油缸", "送料机构", "安全光栅", "离合器", "飞轮", "导轨"},
		funcs:   []string{"送料", "安全保护", "缓冲", "定位", "压紧"},
		issues:  []string{"滑块运行不平稳", "送料精度低", "操作存在安全隐患", "能耗高"},
		designs: []string{"液压机", "冲床", "折弯机"},
		steps:   []string{"由送料机构将板料送至{part}", "控制{part}下行完成压制", "保压后回程并顶出工件", "记录压力曲线"},
	},
	{
		key: "casting", field: "铸造",
		ipc:     []string{"B22D17/00", "B22C9/00", "B22D47/00", "B22D11/00", "B22D29/00"},
		objects: []string{"压铸机", "铸造设备", "砂型铸造生产线", "自动浇注机", "低压铸造机", "铸件清理设备"},
		parts:   []string{"浇包", "砂箱", "型芯", "浇注系统", "冒口", "压射机构", "熔化炉", "落砂机", "顶出机构", "抽真空装置"},
		funcs:   []string{"浇注", "冷却", "除气", "定量", "清理"},
		issues:  []string{"铸件气孔多", "浇注量不准", "铸件清理劳动强度大"},
		designs: []string{"压铸机", "浇注机"},
		steps:   []string{"将金属液在熔化炉中熔炼并除气", "由{part}定量浇注", "冷却凝固后顶出铸件", "清理铸件并检测缺陷"},
	},
	{
		key: "grinding", field: "磨削加工",
		ipc:     []string{"B24B5/00", "B24B9/00", "B24B27/00", "B24B41/00"},
		objects: []string{"磨床", "数控磨床", "外圆磨床", "平面磨床", "抛光机", "去毛刺机", "数控工具磨床"},
		parts:   []string{"砂轮", "砂轮修整器", "磨头", "工件主轴", "冷却液箱", "吸尘罩", "工作台", "尾架"},
		funcs:   []string{"修整", "冷却", "除尘", "定位", "自动补偿"},
		issues:  []string{"砂轮磨损影响精度", "粉尘污染", "工件表面烧伤"},
		designs: []string{"磨床", "抛光机"},
		steps:   []string{"测量工件尺寸并输入数控系统", "控制{part}进给完成磨削", "定时修整砂轮", "在线检测尺寸并补偿"},
	},
}

// sector is an industry (a GB/T 4754-2017 class) with the words that go into
// its companies' names and scopes and the topics of their patents, the first
// topic weighted most.
type sector struct {
	industry string   // GB/T 4754-2017 class, e.g. C3421
	trades   []string // the trade part of a company name
	products string   // what the business scope lists
	topics   []string // topic keys, main first
}

var sectors = []sector{
	{"C3421", []string{"数控机床", "机床", "精密机床", "数控设备"}, "数控机床、加工中心、机床配件", []string{"cnc", "control", "grinding"}},
	{"C3422", []string{"锻压机床", "机械", "压力机"}, "液压机、冲床、折弯机、锻压设备", []string{"press", "hydraulic", "mould"}},
	{"C3423", []string{"铸造机械", "压铸设备"}, "压铸机、铸造机械及配件", []string{"casting", "hydraulic", "control"}},
	{"C3424", []string{"焊接设备", "焊接科技", "激光设备"}, "焊接设备、激光切割设备、焊接机器人工作站", []string{"welding", "robot", "control"}},
	{"C3425", []string{"机床附件", "精密机械", "机床配件"}, "机床功能部件、卡盘、刀塔、机床附件", []string{"cnc", "bearing", "reducer"}},
	{"C3434", []string{"输送设备", "自动化设备", "输送机械"}, "输送机、自动化输送线、分拣设备", []string{"conveyor", "control", "robot"}},
	{"C3443", []string{"阀门", "阀业", "流体控制"}, "工业阀门、执行器及配件", []string{"valve", "casting", "control"}},
	{"C3444", []string{"液压", "液压机械", "液压科技", "流体动力"}, "液压油缸、液压站、液压元件", []string{"hydraulic", "valve", "press"}},
	{"C3451", []string{"轴承", "精密轴承"}, "滚动轴承、轴承座及传动配件", []string{"bearing", "reducer"}},
	{"C3453", []string{"传动科技", "减速机", "齿轮"}, "减速器、齿轮箱、传动部件", []string{"reducer", "bearing", "cnc"}},
	{"C3467", []string{"包装机械", "智能装备"}, "包装机械、自动化生产线", []string{"conveyor", "control", "robot"}},
	{"C3484", []string{"五金机械", "精密五金", "机械配件"}, "五金配件、机械零部件加工", []string{"cnc", "mould", "grinding"}},
	{"C3491", []string{"机器人", "智能装备", "自动化科技"}, "工业机器人、自动化成套设备", []string{"robot", "welding", "control"}},
	{"C3514", []string{"工程机械", "重工"}, "建筑工程机械、起重设备", []string{"hydraulic", "reducer", "welding"}},
	{"C3515", []string{"建材机械", "机械设备"}, "建材生产专用机械", []string{"conveyor", "press", "hydraulic"}},
	{"C3523", []string{"塑料机械", "注塑机械"}, "注塑机、塑料加工专用设备", []string{"mould", "hydraulic", "control"}},
	{"C3525", []string{"模具", "精密模具", "模具科技"}, "五金模具、注塑模具、压铸模具", []string{"mould", "cnc", "casting"}},
	{"C3391", []string{"铸造", "精密铸造"}, "铸钢件、铸铁件", []string{"casting", "mould", "grinding"}},
	{"C3392", []string{"铝业", "压铸", "金属制品"}, "铝合金压铸件、有色金属铸件", []string{"casting", "mould", "cnc"}},
	{"C3311", []string{"钢结构", "金属结构"}, "钢结构件、金属结构件", []string{"welding", "conveyor", "press"}},
	{"C3670", []string{"汽车配件", "汽车零部件"}, "汽车零部件及配件", []string{"mould", "casting", "reducer"}},
	{"C3812", []string{"电机", "电机科技"}, "电动机、减速电机、伺服电机", []string{"reducer", "control", "bearing"}},
	{"C4011", []string{"自动化", "智能控制", "电气自动化"}, "工业自动控制系统、电气控制柜", []string{"control", "robot", "conveyor"}},
}

// sectorWeights weights sectors for the demo: the heart of Gaoyao's
// equipment manufacturing first.
var sectorWeights = []int{9, 5, 3, 6, 4, 5, 6, 7, 3, 5, 3, 4, 5, 3, 2, 3, 6, 3, 4, 3, 3, 2, 3}

// firmWords are the distinctive words (字号) of company names.
var firmWords = []string{
	"宏达", "鸿图", "恒力", "精工", "华锐", "永盛", "粤星", "力拓", "德鑫", "创科",
	"顺航", "鼎泰", "骏驰", "联和", "科泰", "兴邦", "瑞峰", "中誉", "博阳", "海川",
	"天恒", "新锐", "昌盛", "长荣", "富康", "荣达", "裕华", "嘉禾", "宏业", "华鼎",
	"立信", "金岭", "西江", "星湖", "端溪", "鼎峰", "高科", "南粤", "金泓", "锐博",
	"众诚", "恒泰", "汇泽", "志远", "万达丰", "利华", "力升", "凯盛", "东研", "科力",
	"明辉", "正扬", "信和", "宝捷", "卓越", "迅捷", "腾飞", "华拓", "金冠", "聚能",
	"亿丰", "安泰", "佳宁", "广利", "合创", "德普", "智航", "领航", "精研", "恒锋",
	"同创", "新盈", "伟业", "誉丰", "弘毅", "景泰", "通达", "鑫源", "皓月", "铭扬",
}

// Surnames and given-name characters for inventors, agents and founders,
// with Guangdong's common surnames first.
var (
	surnames   = []string{"陈", "李", "黄", "梁", "张", "何", "罗", "王", "刘", "林", "吴", "冯", "邓", "谢", "苏", "莫", "区", "麦", "冼", "伍", "黎", "叶", "杨", "周", "郭", "曾", "潘", "钟", "欧阳", "谭"}
	givenChars = []string{"伟", "志", "明", "国", "俊", "嘉", "文", "建", "华", "家", "永", "晓", "海", "锦", "振", "德", "宇", "杰", "婷", "丽", "敏", "芳", "燕", "强", "平", "峰", "辉", "雄", "荣", "坚", "智", "浩", "彬", "军", "涛", "斌", "勇", "倩", "琳", "洁"}
)

// coApplicants are the universities and institutes that co-own some
// patents with enterprises.
var coApplicants = []string{"肇庆学院", "广东工业大学", "华南理工大学", "广东理工学院", "肇庆市技师学院", "广东省智能制造研究所"}

// agencies are synthetic patent agencies.
var agencies = []string{
	"肇庆市知诚专利代理事务所（普通合伙）", "肇庆科创专利代理事务所（普通合伙）",
	"广州粤智知识产权代理有限公司", "广州汇信专利代理事务所（普通合伙）",
	"佛山市禅知专利代理事务所（普通合伙）", "广东南华知识产权代理有限公司",
}

// Sentence pieces of abstracts and claims.
var (
	adjectives  = []string{"高精度", "节能型", "自动化", "多工位", "高效", "智能", "新型", "便于维护的", "低噪声", "模块化", "可调式", "重载"}
	mechs       = []string{"装置", "结构", "机构", "组件", "系统"}
	connectors  = []string{"螺栓", "联轴器", "销轴", "法兰", "滑轨", "铰链", "轴承", "卡扣", "连接板"}
	mounts      = []string{"固定安装有", "活动连接有", "设有", "套设有", "对称设置有", "可拆卸地连接有"}
	sides       = []string{"一侧", "顶部", "底部", "两端", "内侧", "外侧", "上端", "下端"}
	drives      = []string{"伺服电机", "气缸", "液压油缸", "步进电机", "减速电机", "直线电机"}
	motions     = []string{"沿导轨往复移动", "同步转动", "上下升降", "绕轴线旋转", "水平滑动"}
	genericPart = []string{"底座", "机架", "支撑架", "安装板", "固定座", "连接杆", "导轨", "滑块", "丝杆", "电机", "控制器", "传感器", "防护罩", "箱体", "盖板"}
	effects     = []string{
		"结构简单、操作方便", "制造成本低", "提高了加工精度", "延长了设备的使用寿命", "降低了工人的劳动强度",
		"提高了生产效率", "运行稳定可靠", "便于安装和维护", "降低了能耗", "实现了自动化生产", "安全性好",
		"适用范围广", "占用空间小",
	}
	techs    = []string{"PLC", "机器视觉", "伺服控制", "物联网", "PID算法", "数字孪生", "激光检测"}
	purposes = []string{"补充流动资金", "购买原材料", "设备更新改造", "研发投入", "新建生产线", "技术改造", "扩大产能", "偿还到期贷款"}
)
